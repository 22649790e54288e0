package dev.shoal.manager.api.proxy;

import dev.shoal.manager.api.Exchange;
import dev.shoal.manager.engine.EngineClient;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpChunkedInput;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.stream.ChunkedNioFile;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import javax.net.ssl.SSLParameters;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * Passes a request through to one node's engine and its answer back, as a stream: chunked bodies flow as they
 * come (logs -f, wait, stats), reading from the engine only while the client keeps up. A 101 answer (attach,
 * exec start) turns both connections into a raw byte relay, half-close included.
 */
public final class EngineProxy {
    private static final List<CharSequence> HOP_BY_HOP = List.of(HttpHeaderNames.CONNECTION,
            HttpHeaderNames.KEEP_ALIVE, HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderNames.TE,
            HttpHeaderNames.TRAILER, HttpHeaderNames.PROXY_AUTHORIZATION, HttpHeaderNames.HOST,
            HttpHeaderNames.CONTENT_LENGTH, HttpHeaderNames.EXPECT);

    private final EventLoopGroup group;
    private volatile SslContext tls;
    private final NodeConnections pool = new NodeConnections();
    private static final long STREAMED_MAX_IDLE_MILLIS = 2000;
    /** Connections to nodes in use or idle, by node address: closed when their node falls silent. */
    private final java.util.Map<Channel, String> open = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile java.util.function.Predicate<String> alive = address -> true;

    /**
     * @param tls the manager's client certificate, trusting only the cluster CA; null talks plain TCP to nodes
     *            (--insecure-cluster)
     */
    public EngineProxy(EventLoopGroup group, SslContext tls) {
        this.group = group;
        this.tls = tls;
    }

    /**
     * New connections to nodes present {@code tls} (the manager's renewed certificate); connections already open
     * (in use or pooled) keep the one they started with.
     */
    public void useTls(SslContext tls) {
        if (this.tls == null) {
            throw new IllegalStateException("a plain-TCP proxy takes no TLS");
        }
        this.tls = tls;
    }

    /**
     * Forwards {@code ex} to the engine at {@code address} as {@code pathAndQuery} (no version prefix).
     * The exchange is answered by the engine, or with 502 if the node cannot be reached.
     */
    public void forward(Exchange ex, String address, String pathAndQuery) {
        ex.markProxied();
        ex.channel().eventLoop().execute(() -> {
            try {
                send(ex, address, pathAndQuery, true);
            } catch (RuntimeException e) {
                ex.respondError(502, "cannot pass the call on to node at " + address + ": " + e.getMessage());
            }
        });
    }

    /**
     * Tells the proxy which nodes still beat: every second, the connections (in use or idle) to a node that fell
     * silent are closed, so a call to a node cut off mid-way fails in seconds instead of when TCP gives up, and no
     * kept-alive connection to it is used again. A call that had begun to answer is cut; one that had not is
     * answered 502 (or sent again where that is harmless, see {@link #send}).
     */
    public void giveUpWhen(java.util.function.Predicate<String> alive) {
        this.alive = alive;
        group.scheduleAtFixedRate(() -> open.forEach((ch, address) -> {
            if (!this.alive.test(address)) {
                ch.close();
            }
        }), 1, 1, java.util.concurrent.TimeUnit.SECONDS);
    }

    /**
     * Sends the call on a kept-alive connection to the node when one is free and the call may use one (not an upgrade),
     * else on a new one. A kept-alive connection the node closed just as it was taken is retried once on a new
     * connection (any call not yet written in full, and reads); a body still arriving cannot be sent again, so it takes
     * only a connection used within the last {@value #STREAMED_MAX_IDLE_MILLIS} ms (an idle connection keeps a read
     * pending, so one the node closed leaves the pool at once). Runs on the client's loop.
     */
    private void send(Exchange ex, String address, String pathAndQuery, boolean mayReuse) {
        boolean streamed = ex.body().isStreaming();
        boolean reusable = !ex.isUpgrade();
        HttpRequest request;
        ChunkedNioFile file = null;
        try {
            request = buildRequest(ex, pathAndQuery, reusable);
            if (!streamed && ex.body().length() > dev.shoal.manager.api.RequestBody.JSON_LIMIT) {
                file = new ChunkedNioFile(ex.body().file().toFile());
            }
        } catch (IOException e) {
            ex.respondError(500, "cannot forward request body: " + e.getMessage());
            return;
        }
        Channel client = ex.channel();
        // a body still arriving cannot be sent twice: only a connection the node used a moment ago is taken for it
        Channel pooled = reusable && mayReuse ? pool.take(client.eventLoop(), address,
                streamed ? STREAMED_MAX_IDLE_MILLIS : NodeConnections.IDLE_SECONDS * 1000L) : null;
        Backend backend = new Backend(ex, reusable ? address : null,
                pooled == null || streamed ? null : () -> send(ex, address, pathAndQuery, false));
        if (pooled != null) {
            pooled.pipeline().addLast("backend", backend);
            start(ex, pooled, backend, request, file);
            return;
        }
        if (!alive.test(address)) {
            ex.respondError(502, "node at " + address + " is unreachable: it stopped sending heartbeats");
            return;
        }
        final ChunkedNioFile body = file;
        String host = address.substring(0, address.lastIndexOf(':'));
        int port = Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
        new Bootstrap()
                .group(client.eventLoop())
                .channel(dev.shoal.manager.api.ApiServer.clientChannelType())
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 3000)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (tls != null) {
                            ch.pipeline().addLast("tls", newTlsHandler(ch, host, port));
                        }
                        ch.pipeline().addLast("http", new HttpClientCodec(16384, 65536, 1 << 20));
                        ch.pipeline().addLast("chunks", new ChunkedWriteHandler());
                        ch.pipeline().addLast("backend", backend);
                    }
                })
                .connect(new InetSocketAddress(host, port))
                .addListener((ChannelFutureListener) f -> {
                    if (!f.isSuccess()) {
                        ex.respondError(502, "node at " + address + " is unreachable: " + f.cause().getMessage());
                        return;
                    }
                    Channel engine = f.channel();
                    open.put(engine, address);
                    engine.closeFuture().addListener(c -> open.remove(engine));
                    start(ex, engine, backend, request, body);
                });
    }

    /** Writes the call to the engine's connection and starts reading the answer. */
    private static void start(Exchange ex, Channel engine, Backend backend, HttpRequest request, ChunkedNioFile file) {
        ex.onClientGone(() -> {
            if (!backend.finished) {
                engine.close();
            }
        });
        ex.onWritable(() -> {
            if (!backend.finished) {
                engine.read();
            }
        });
        ChannelFutureListener sent = f -> backend.requestSent = f.isSuccess();
        if (ex.body().isStreaming()) {
            engine.writeAndFlush(request);
            streamBody(ex, engine, backend);
        } else if (file != null) {
            engine.write(request);
            engine.writeAndFlush(new HttpChunkedInput(file)).addListener(sent);
        } else {
            engine.writeAndFlush(request).addListener(sent);
        }
        engine.read();
    }

    /**
     * Passes a streaming request body on to the engine as it arrives (on the client's event loop, which is also the
     * engine channel's): the client is read while the engine's connection takes more and not otherwise, so a slow node
     * slows the upload instead of filling the manager's memory. What one wake-up reads goes on in one flush.
     */
    private static void streamBody(Exchange ex, Channel engine, Backend backend) {
        Channel client = ex.channel();
        boolean[] done = {false};
        backend.onWritable = () -> {
            if (!done[0] && engine.isWritable()) {
                client.config().setAutoRead(true);
            }
        };
        done[0] = ex.body().attach(new dev.shoal.manager.api.RequestBody.Sink() {
            @Override
            public void chunk(io.netty.buffer.ByteBuf data, boolean last) {
                if (!engine.isActive()) {
                    data.release();
                    return;
                }
                if (last) {
                    done[0] = true;
                    client.config().setAutoRead(false); // the next request waits until this answer is sent
                    engine.writeAndFlush(new DefaultLastHttpContent(data))
                            .addListener((ChannelFutureListener) f -> backend.requestSent = f.isSuccess());
                } else {
                    engine.write(new DefaultHttpContent(data));
                }
            }

            @Override
            public void readComplete() {
                engine.flush();
                if (!done[0] && !engine.isWritable()) {
                    client.config().setAutoRead(false);
                }
            }
        });
        engine.flush();
        if (!done[0]) {
            client.config().setAutoRead(engine.isWritable());
        }
    }

    /** TLS towards the node, checking that its certificate names the address dialled. */
    private SslHandler newTlsHandler(Channel ch, String host, int port) {
        SslHandler handler = tls.newHandler(ch.alloc(), host, port);
        SSLParameters params = handler.engine().getSSLParameters();
        params.setEndpointIdentificationAlgorithm("HTTPS");
        handler.engine().setSSLParameters(params);
        return handler;
    }

    private static HttpRequest buildRequest(Exchange ex, String pathAndQuery, boolean keepAlive) throws IOException {
        String uri = EngineClient.API + pathAndQuery;
        HttpRequest in = ex.request();
        HttpRequest out;
        if (ex.body().isStreaming()) {
            out = new DefaultHttpRequest(HttpVersion.HTTP_1_1, in.method(), uri);
            copyHeaders(in.headers(), out.headers());
            if (HttpUtil.isContentLengthSet(in)) {
                HttpUtil.setContentLength(out, HttpUtil.getContentLength(in));
            } else {
                HttpUtil.setTransferEncodingChunked(out, true);
            }
            out.headers().set(HttpHeaderNames.HOST, "docker");
            return out; // kept alive: the connection goes back to the pool once the body went out whole and the answer came
        }
        long length = ex.body().length();
        if (length > dev.shoal.manager.api.RequestBody.JSON_LIMIT) {
            out = new DefaultHttpRequest(HttpVersion.HTTP_1_1, in.method(), uri);
            HttpUtil.setTransferEncodingChunked(out, true);
        } else {
            byte[] bytes = ex.body().bytes();
            out = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, in.method(), uri, Unpooled.wrappedBuffer(bytes));
            if (bytes.length > 0 || !in.method().name().equals("GET")) {
                HttpUtil.setContentLength(out, bytes.length);
            }
        }
        copyHeaders(in.headers(), out.headers());
        out.headers().set(HttpHeaderNames.HOST, "docker");
        if (ex.isUpgrade()) {
            out.headers().set(HttpHeaderNames.CONNECTION, "Upgrade");
            out.headers().set(HttpHeaderNames.UPGRADE, "tcp");
        } else if (!keepAlive) {
            out.headers().set(HttpHeaderNames.CONNECTION, "close");
        }
        return out;
    }

    private static void copyHeaders(HttpHeaders from, HttpHeaders to) {
        from.forEach(e -> {
            for (CharSequence h : HOP_BY_HOP) {
                if (h.toString().equalsIgnoreCase(e.getKey())) {
                    return;
                }
            }
            if (!e.getKey().equalsIgnoreCase("Upgrade")) {
                to.add(e.getKey(), e.getValue());
            }
        });
    }

    /** Reads the engine's answer and writes it to the client. */
    private final class Backend extends ChannelInboundHandlerAdapter {
        private final Exchange ex;
        /** Where the connection goes back to the pool after a clean exchange; null: closed after this one. */
        private final String reuseFor;
        /** Sends the call again on a new connection (set when this one came from the pool). */
        private final Runnable retry;
        private boolean started;
        private boolean finished;
        private boolean keepAlive;
        /** The whole request has been written (a connection is reusable only then). */
        boolean requestSent;
        /** Called when the engine's connection takes writes again (a streaming upload resumes). */
        Runnable onWritable;

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            if (onWritable != null) {
                onWritable.run();
            }
            ctx.fireChannelWritabilityChanged();
        }

        Backend(Exchange ex, String reuseFor, Runnable retry) {
            this.ex = ex;
            this.reuseFor = reuseFor;
            this.retry = retry;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            Channel client = ex.channel();
            if (msg instanceof HttpResponse res) {
                started = true;
                keepAlive = HttpUtil.isKeepAlive(res);
                if (res.status().code() == 101) {
                    upgrade(ctx, res);
                    ReferenceCountUtil.release(msg);
                    return;
                }
                HttpResponse copy = new DefaultHttpResponse(HttpVersion.HTTP_1_1, res.status());
                copyHeaders(res.headers(), copy.headers());
                if (HttpUtil.isTransferEncodingChunked(res)) {
                    HttpUtil.setTransferEncodingChunked(copy, true);
                } else if (HttpUtil.isContentLengthSet(res)) {
                    HttpUtil.setContentLength(copy, HttpUtil.getContentLength(res));
                } else if (!HttpUtil.isContentLengthSet(res) && mayHaveBody(res.status())) {
                    HttpUtil.setTransferEncodingChunked(copy, true);
                }
                ex.decorate(copy);
                client.writeAndFlush(copy); // a held-open answer (wait, logs -f) must show its head at once
            }
            if (msg instanceof HttpContent content) {
                ByteBuf data = content.content().retain();
                boolean last = msg instanceof LastHttpContent;
                if (last) {
                    client.writeAndFlush(new DefaultLastHttpContent(data));
                    finish(ctx);
                } else {
                    client.writeAndFlush(new DefaultHttpContent(data));
                }
            } else if (msg instanceof ByteBuf raw) {
                client.writeAndFlush(raw.retain());
            }
            ReferenceCountUtil.release(msg);
            if (!finished && client.isWritable()) {
                ctx.read();
            }
        }

        private static boolean mayHaveBody(HttpResponseStatus s) {
            return s.code() != 204 && s.code() != 304 && s.code() >= 200;
        }

        private void finish(ChannelHandlerContext ctx) {
            finished = true;
            if (reuseFor != null && keepAlive && requestSent) {
                pool.give(reuseFor, ctx.channel());
            } else {
                ctx.close();
            }
            if (!ex.keepAlive()) {
                ex.channel().close();
            }
            ex.complete();
        }

        /** Both sides switch to raw bytes: the engine's 101 goes to the client, then each side relays to the other. */
        private void upgrade(ChannelHandlerContext ctx, HttpResponse res) {
            Channel client = ex.channel();
            Channel engine = ctx.channel();
            HttpResponse copy = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.SWITCHING_PROTOCOLS);
            copyHeaders(res.headers(), copy.headers());
            copy.headers().set(HttpHeaderNames.CONNECTION, "Upgrade");
            copy.headers().set(HttpHeaderNames.UPGRADE, "tcp");
            ex.decorate(copy);
            client.writeAndFlush(copy);
            finished = true;
            ex.onWritable(null);
            client.pipeline().replace("api", "relay", new Relay(engine, false));
            client.pipeline().remove(HttpServerCodec.class);
            engine.pipeline().replace("backend", "relay", new Relay(client, true));
            engine.pipeline().remove("chunks");
            engine.pipeline().remove("http");
            client.config().setAutoRead(true);
            engine.config().setAutoRead(true);
            client.read();
            engine.read();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (finished) {
                return;
            }
            finished = true;
            if (started) {
                ex.channel().close();
            } else if (retry != null && !ex.clientGone() && (!requestSent || readOnly(ex))) {
                retry.run(); // a kept-alive connection the node had closed: the call did not get through
                return;
            } else {
                ex.respondError(502, "the node's engine closed the connection without an answer");
            }
            ex.complete();
        }

        /**
         * Whether resending is harmless: a call that was written in full may have reached the engine before the
         * connection broke, so only reads are sent again then (as Go's HTTP client does).
         */
        private static boolean readOnly(Exchange ex) {
            String method = ex.request().method().name();
            return method.equals("GET") || method.equals("HEAD");
        }

        /** The node ended its side before the answer was complete: give up the connection (retrying if nothing came). */
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof io.netty.channel.socket.ChannelInputShutdownEvent && !finished) {
                ctx.close();
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            ctx.close();
        }
    }
}
