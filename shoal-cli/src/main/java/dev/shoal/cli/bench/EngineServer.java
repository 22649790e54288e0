package dev.shoal.cli.bench;

import dev.shoal.node.net.Transport;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.Closeable;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The simulated nodes' engine ports: a few wildcard listeners whose connections are served by the node whose loopback
 * address they arrived at, with that node's certificate (the manager verifies it against the CA with the node's IP
 * as hostname, and must present its own certificate). A few sockets instead of one per node keep the bench's file
 * descriptors within the limit at 5,000 nodes. {@code GET /events} answers its headers and stays open, as a quiet
 * engine's does.
 */
final class EngineServer implements Closeable {
    private static final int MAX_BODY = 8 << 20;
    private final Map<String, SimulatedNode> byIp = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.LongAdder connections = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder broken = new java.util.concurrent.atomic.LongAdder();
    private volatile String lastBreak;
    private final java.util.List<Channel> listeners = new java.util.ArrayList<>();

    private EngineServer() { }

    /**
     * Listens on {@code listeners} free ports of {@code 0.0.0.0}; only connections to a registered node's address
     * are served. Several ports because every node's connections queue at these sockets: the kernel caps each
     * backlog (net.core.somaxconn), and a fan-out to 5,000 nodes opens 5,000 connections at once.
     */
    static EngineServer start(EventLoopGroup loops, int listeners) throws InterruptedException {
        EngineServer server = new EngineServer();
        for (int i = 0; i < listeners; i++) {
            server.listeners.add(new ServerBootstrap().group(loops).channel(Transport.tcpServerChannel())
                    .option(io.netty.channel.ChannelOption.SO_BACKLOG, 65_535)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override protected void initChannel(Channel c) {
                            server.serve(c);
                        }
                    })
                    .bind(new InetSocketAddress("0.0.0.0", 0)).sync().channel());
        }
        return server;
    }

    /** The port node {@code index} advertises (nodes are spread over the listeners). */
    int portFor(int index) {
        Channel listener = listeners.get(index % listeners.size());
        return ((InetSocketAddress) listener.localAddress()).getPort();
    }

    /** Connections the manager opened to the simulated engines, and how many of them ended in an error. */
    String connectionStats() {
        return connections.sum() + " engine connections (" + broken.sum() + " broken"
                + (lastBreak == null ? "" : ", last: " + lastBreak) + ")";
    }

    void add(SimulatedNode node) {
        byIp.put(node.advertised().host(), node);
    }

    private void serve(Channel c) {
        String local = ((InetSocketAddress) c.localAddress()).getAddress().getHostAddress();
        SimulatedNode node = byIp.get(local);
        if (node == null || node.serverTls() == null) {
            c.close();
            return;
        }
        connections.increment();
        c.pipeline().addLast(node.serverTls().newHandler(c.alloc()), new HttpServerCodec(),
                new HttpObjectAggregator(MAX_BODY), new Handler(node.engine()));
    }

    /** Routes one request to the node's engine and writes its answer. */
    private final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final SimulatedEngine engine;

        Handler(SimulatedEngine engine) {
            this.engine = engine;
        }

        @Override protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
            QueryStringDecoder uri = new QueryStringDecoder(req.uri());
            String path = uri.path().replaceFirst("^/v1\\.[0-9]+", "");
            if (req.method().name().equals("GET") && path.equals("/events")) {
                openEvents(ctx, uri.parameters().containsKey("until"));
                return;
            }
            byte[] body = new byte[req.content().readableBytes()];
            req.content().readBytes(body);
            SimulatedEngine.Answer a = engine.answer(req.method().name(), path, uri.parameters(), body);
            FullHttpResponse res = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                    HttpResponseStatus.valueOf(a.status()), Unpooled.wrappedBuffer(a.body()));
            res.headers().set(HttpHeaderNames.CONTENT_TYPE, a.status() == 200 && path.equals("/_ping")
                    ? "text/plain; charset=utf-8" : "application/json");
            res.headers().set("Api-Version", "1.41").set("Server", "Docker/20.10.25 (linux)");
            HttpUtil.setContentLength(res, a.body().length);
            boolean keepAlive = HttpUtil.isKeepAlive(req);
            HttpUtil.setKeepAlive(res, keepAlive);
            var written = ctx.writeAndFlush(res);
            if (!keepAlive) {
                written.addListener(ChannelFutureListener.CLOSE);
            }
        }

        /** No event ever happens on a simulated engine: headers now, then silence (or the end, for a bounded query). */
        private static void openEvents(ChannelHandlerContext ctx, boolean bounded) {
            HttpResponse res = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK);
            res.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json")
                    .set(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            ctx.write(res);
            if (bounded) {
                ctx.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT);
            } else {
                ctx.flush();
            }
        }

        @Override public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            broken.increment();
            lastBreak = String.valueOf(cause);
            ctx.close(); // a connection the manager dropped mid-call
        }
    }

    @Override public void close() {
        listeners.forEach(l -> l.close().syncUninterruptibly());
    }
}
