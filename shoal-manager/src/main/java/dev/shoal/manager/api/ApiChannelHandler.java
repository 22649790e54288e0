package dev.shoal.manager.api;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.ExecutorService;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads one request at a time from a client connection, collects its body, and runs the route on a virtual
 * thread. The connection reads nothing more until that exchange completes, which keeps answers in order and
 * pushes back on a client that sends faster than its requests are answered.
 */
final class ApiChannelHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ApiChannelHandler.class);
    private static final Pattern VERSIONED = Pattern.compile("^/v(\\d+)\\.(\\d+)(/.*)$");
    private static final Pattern STREAMED_PUT = Pattern.compile("^/containers/.+/archive$");

    private final Router router;
    private final ExecutorService workers;
    private Exchange current;
    private RequestBody body;
    private boolean discarding;

    ApiChannelHandler(Router router, ExecutorService workers) {
        this.router = router;
        this.workers = workers;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof HttpRequest req) {
                startRequest(ctx, req);
            }
            if (msg instanceof HttpContent bad && bad.decoderResult().isFailure() && !discarding) {
                // a broken chunk: the body is not passed on as if it had ended (the node sees it cut off, not
                // complete), the client hears why, and the connection ends (the decoder reads nothing more of it)
                discarding = true;
                sendAndClose(ctx, 400, "malformed HTTP request body: " + bad.decoderResult().cause().getMessage());
                return;
            }
            if (msg instanceof HttpContent content && !discarding && body != null) {
                if (body.isStreaming()) {
                    body.offer(content.content(), msg instanceof LastHttpContent);
                } else {
                    body.append(content.content());
                    if (msg instanceof LastHttpContent) {
                        body.finish();
                        dispatch(ctx);
                    }
                }
            }
        } catch (Exception e) {
            log.warn("request failed while reading: {}", e.toString());
            ctx.close();
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void startRequest(ChannelHandlerContext ctx, HttpRequest req) {
        if (req.decoderResult().isFailure()) {
            discarding = true;
            sendAndClose(ctx, 400, "malformed HTTP request: " + req.decoderResult().cause().getMessage());
            return;
        }
        discarding = false;
        if (HttpUtil.is100ContinueExpected(req)) {
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
        }
        String uri = req.uri();
        int q = uri.indexOf('?');
        String rawPath = q < 0 ? uri : uri.substring(0, q);
        String path = rawPath;
        Matcher m = VERSIONED.matcher(rawPath);
        if (m.matches()) {
            int major = Integer.parseInt(m.group(1));
            int minor = Integer.parseInt(m.group(2));
            String version = major + "." + minor;
            if (major > 1 || (major == 1 && minor > 41)) {
                discarding = true;
                sendAndClose(ctx, 400, "client version " + version
                        + " is too new. Maximum supported API version is 1.41");
                return;
            }
            if (major == 1 && minor < 12) {
                discarding = true;
                sendAndClose(ctx, 400, "client version " + version
                        + " is too old. Minimum supported API version is 1.12, please upgrade your client to a newer version");
                return;
            }
            path = m.group(3);
        }
        body = streams(req, path) ? RequestBody.streaming() : new RequestBody();
        current = new Exchange(ctx.channel(), req, body, path, () -> ctx.channel().eventLoop().execute(() -> {
            current = null;
            ctx.channel().config().setAutoRead(true);
            ctx.read();
        }));
        if (body.isStreaming()) {
            dispatch(ctx); // the route runs while the body arrives; the proxy pulls it on to the node
        }
    }

    /**
     * Calls whose body only passes through to one node ({@code docker cp} into a container, {@code docker build})
     * are streamed instead of stored first.
     */
    private static boolean streams(HttpRequest req, String path) {
        boolean hasBody = HttpUtil.isTransferEncodingChunked(req) || HttpUtil.getContentLength(req, 0L) > 0;
        if (!hasBody || HttpUtil.is100ContinueExpected(req)) {
            return false;
        }
        String method = req.method().name();
        return (method.equals("PUT") && STREAMED_PUT.matcher(path).matches())
                || (method.equals("POST") && path.equals("/build"));
    }

    private void dispatch(ChannelHandlerContext ctx) {
        Exchange ex = current;
        ctx.channel().config().setAutoRead(false);
        workers.execute(() -> {
            try {
                router.handle(ex);
                if (!ex.isComplete() && !ex.isProxied()) {
                    log.warn("route left {} {} unanswered", ex.method(), ex.path());
                    ex.respondError(500, "no answer from the manager for " + ex.method() + " " + ex.path());
                }
            } catch (DockerException e) {
                answerError(ex, e.status(), e.getMessage());
            } catch (Exception e) {
                log.warn("{} {} failed", ex.method(), ex.path(), e);
                answerError(ex, 500, e.getMessage() == null ? e.toString() : e.getMessage());
            }
        });
    }

    private static void answerError(Exchange ex, int status, String message) {
        if (!ex.isComplete() && !ex.isProxied()) {
            ex.respondError(status, message);
        }
    }

    private static void sendAndClose(ChannelHandlerContext ctx, int status, String message) {
        var res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
                io.netty.buffer.Unpooled.copiedBuffer("{\"message\":" + quote(message) + "}",
                        java.nio.charset.StandardCharsets.UTF_8));
        res.headers().set("Content-Type", "application/json");
        res.headers().set("Api-Version", dev.shoal.model.ShoalVersion.API_VERSION);
        HttpUtil.setContentLength(res, res.content().readableBytes());
        res.headers().set("Connection", "close");
        ctx.writeAndFlush(res).addListener(io.netty.channel.ChannelFutureListener.CLOSE);
    }

    private static String quote(String s) {
        try {
            return dev.shoal.manager.state.ClusterStore.JSON.writeValueAsString(s);
        } catch (Exception e) {
            return "\"error\"";
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (body != null && body.isStreaming()) {
            body.readComplete();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        Exchange ex = current;
        if (ex != null) {
            ex.writabilityChanged();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt instanceof ChannelInputShutdownEvent) {
            // The client closed its side: nothing more will come on this connection.
            ctx.close();
            return;
        }
        ctx.fireUserEventTriggered(evt);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Exchange ex = current;
        if (ex != null) {
            ex.clientDisconnected();
        } else if (body != null) {
            body.close();
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("client connection error: {}", cause.toString());
        ctx.close();
    }
}
