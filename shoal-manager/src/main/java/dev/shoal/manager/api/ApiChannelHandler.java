package dev.shoal.manager.api;

import dev.shoal.manager.errors.DockerException;

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

import java.util.ArrayDeque;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads one request at a time from a client connection, collects its body, and runs the route on a virtual
 * thread. The connection reads nothing more until that exchange completes, which keeps answers in order and
 * pushes back on a client that sends faster than its requests are answered; requests a client pipelined into
 * the same read wait in a queue and run one after the other. A connection is closed when it sits idle, when a
 * header block or a stored body stops arriving for longer than its bound ({@link ApiLimits}), and a JSON body
 * larger than {@link RequestBody#JSON_LIMIT} is refused with 413 by its length, before it is read.
 */
final class ApiChannelHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ApiChannelHandler.class);
    private static final Pattern VERSIONED = Pattern.compile("^/v(\\d+)\\.(\\d+)(/.*)$");
    private static final Pattern STREAMED_PUT = Pattern.compile("^/containers/.+/archive$");

    private static final Pattern BULK_POST = Pattern.compile("^/(images/load|images/create|build)$");

    private final Router router;
    private final ExecutorService workers;
    private final ApiLimits limits;
    private Exchange current;
    private RequestBody body;
    private boolean discarding;
    /** The current exchange runs (its route was called); its connection reads nothing more until it completes. */
    private boolean dispatched;
    /** What arrived after a request that is still being answered: run in order once it completes. */
    private final ArrayDeque<Object> queued = new ArrayDeque<>();
    private long lastActivityNanos = System.nanoTime();
    /** When bytes of a next request began to arrive while none was being read (-1: none pending). */
    private long partialSinceNanos = -1;
    private ScheduledFuture<?> timer;
    /** A body was refused: its answer is sent, and what the client still sends is read and dropped until close. */
    private boolean lingering;
    private static final long LINGER_MILLIS = 2000;

    ApiChannelHandler(Router router, ExecutorService workers, ApiLimits limits) {
        this.router = router;
        this.workers = workers;
        this.limits = limits;
    }

    /** Sits before the HTTP codec: notes when bytes arrive, so a header block trickling in is seen and bounded. */
    ChannelInboundHandlerAdapter bytesSeen() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                long now = System.nanoTime();
                lastActivityNanos = now;
                if (current == null && queued.isEmpty() && partialSinceNanos < 0) {
                    partialSinceNanos = now;
                }
                ctx.fireChannelRead(msg);
            }
        };
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        long tick = Math.max(10, Math.min(1000, limits.headerTimeout().toMillis() / 4));
        timer = ctx.executor().scheduleAtFixedRate(() -> checkTimeouts(ctx), tick, tick, TimeUnit.MILLISECONDS);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        if (timer != null) {
            timer.cancel(false); // replaced by a raw relay (attach, exec): the stream's own end closes it
        }
    }

    /** Closes a connection that is idle too long, or whose header block or stored body stopped arriving. */
    private void checkTimeouts(ChannelHandlerContext ctx) {
        long now = System.nanoTime();
        String why = null;
        if (current == null && queued.isEmpty()) {
            if (partialSinceNanos >= 0 && now - partialSinceNanos > limits.headerTimeout().toNanos()) {
                why = "header block not complete within " + limits.headerTimeout().toMillis() + " ms";
            } else if (partialSinceNanos < 0 && now - lastActivityNanos > limits.idleTimeout().toNanos()) {
                why = "idle for " + limits.idleTimeout().toMillis() + " ms";
            }
        } else if (current != null && !dispatched && body != null && !body.isStreaming()
                && now - lastActivityNanos > limits.bodyTimeout().toNanos()) {
            why = "request body stalled for " + limits.bodyTimeout().toMillis() + " ms";
        }
        if (why != null) {
            log.debug("closing client connection {}: {}", ctx.channel().remoteAddress(), why);
            ctx.close();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (lingering) {
            ReferenceCountUtil.release(msg); // the rest of a refused body, drained unread
            return;
        }
        if (!queued.isEmpty() || (msg instanceof HttpRequest && current != null)) {
            queued.add(msg); // pipelined: runs once the exchange before it completes
            return;
        }
        handle(ctx, msg);
    }

    /** Runs queued messages up to the next request that must wait for the current exchange. */
    private void drain(ChannelHandlerContext ctx) {
        while (!queued.isEmpty() && !(current != null && queued.peek() instanceof HttpRequest)) {
            handle(ctx, queued.poll());
        }
    }

    private void handle(ChannelHandlerContext ctx, Object msg) {
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
                    if (!body.append(content.content())) {
                        refuseBody(ctx, 413, tooLarge(body.length()));
                        return;
                    }
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
        partialSinceNanos = -1;
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
        boolean bulk = bulk(req, path);
        long length = HttpUtil.getContentLength(req, -1L);
        if (!bulk && length > RequestBody.JSON_LIMIT) {
            refuseBody(ctx, 413, tooLarge(length)); // refused by its length: not one byte of it is stored
            return;
        }
        if (HttpUtil.is100ContinueExpected(req)) {
            ctx.writeAndFlush(new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
        }
        body = streams(req, path) ? RequestBody.streaming() : new RequestBody(bulk ? Long.MAX_VALUE : RequestBody.JSON_LIMIT);
        dispatched = false;
        current = new Exchange(ctx.channel(), req, body, path, () -> ctx.channel().eventLoop().execute(() -> {
            current = null;
            dispatched = false;
            lastActivityNanos = System.nanoTime();
            drain(ctx);
            if (queued.isEmpty() && !dispatched && ctx.channel().isActive()) {
                ctx.channel().config().setAutoRead(true);
                ctx.read();
            }
        }));
        if (body.isStreaming()) {
            dispatch(ctx); // the route runs while the body arrives; the proxy pulls it on to the node
        }
    }

    /**
     * Calls whose body only passes through to one node ({@code docker cp} into a container, {@code docker build})
     * are streamed instead of stored first.
     */
    /** Calls whose body is data, not JSON (an image archive, a build context, a file tree): no JSON size bound. */
    private static boolean bulk(HttpRequest req, String path) {
        String method = req.method().name();
        return (method.equals("PUT") && STREAMED_PUT.matcher(path).matches())
                || (method.equals("POST") && BULK_POST.matcher(path).matches());
    }

    private static String tooLarge(long length) {
        return "request body too large (" + length + " bytes, limit " + RequestBody.JSON_LIMIT + ")";
    }

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
        dispatched = true;
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

    /**
     * Answers a refused body and then closes, but not at once: a client still sending it would get a reset that
     * discards the answer before it is read. The HTTP decoder goes, the connection's output is ended (plain TCP
     * and unix sockets), and what still arrives is drained for {@value #LINGER_MILLIS} ms.
     */
    private void refuseBody(ChannelHandlerContext ctx, int status, String message) {
        discarding = true;
        lingering = true;
        ctx.writeAndFlush(errorResponse(status, message)).addListener(f -> {
            if (!f.isSuccess()) {
                ctx.close();
                return;
            }
            var pipeline = ctx.pipeline();
            if (pipeline.get("http") != null) {
                pipeline.remove("http");
            }
            if (pipeline.get(io.netty.handler.ssl.SslHandler.class) == null
                    && ctx.channel() instanceof io.netty.channel.socket.DuplexChannel duplex) {
                duplex.shutdownOutput();
            }
            ctx.channel().config().setAutoRead(true);
            ctx.executor().schedule(() -> ctx.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
        });
    }

    private static void sendAndClose(ChannelHandlerContext ctx, int status, String message) {
        ctx.writeAndFlush(errorResponse(status, message)).addListener(io.netty.channel.ChannelFutureListener.CLOSE);
    }

    private static DefaultFullHttpResponse errorResponse(int status, String message) {
        var res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status),
                io.netty.buffer.Unpooled.copiedBuffer("{\"message\":" + quote(message) + "}",
                        java.nio.charset.StandardCharsets.UTF_8));
        res.headers().set("Content-Type", "application/json");
        res.headers().set("Api-Version", dev.shoal.model.ShoalVersion.API_VERSION);
        HttpUtil.setContentLength(res, res.content().readableBytes());
        res.headers().set("Connection", "close");
        return res;
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
        if (timer != null) {
            timer.cancel(false);
        }
        for (Object m; (m = queued.poll()) != null; ) {
            ReferenceCountUtil.release(m);
        }
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
