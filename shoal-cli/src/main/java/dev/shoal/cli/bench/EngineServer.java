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
 * The simulated nodes' engine ports: one wildcard listener whose connections are served by the node whose loopback
 * address they arrived at, with that node's certificate (the manager verifies it against the CA with the node's IP
 * as hostname, and must present its own certificate). One socket instead of one per node keeps the bench's file
 * descriptors within the limit at 5,000 nodes. {@code GET /events} answers its headers and stays open, as a quiet
 * engine's does.
 */
final class EngineServer implements Closeable {
    private static final int MAX_BODY = 8 << 20;
    private final Map<String, SimulatedNode> byIp = new ConcurrentHashMap<>();
    private Channel listener;

    private EngineServer() { }

    /** Listens on {@code 0.0.0.0:port} (0: any free port); only connections to a registered node's address are served. */
    static EngineServer start(EventLoopGroup loops, int port) throws InterruptedException {
        EngineServer server = new EngineServer();
        server.listener = new ServerBootstrap().group(loops).channel(Transport.tcpServerChannel())
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override protected void initChannel(Channel c) {
                        server.serve(c);
                    }
                })
                .bind(new InetSocketAddress("0.0.0.0", port)).sync().channel();
        return server;
    }

    int port() {
        return ((InetSocketAddress) listener.localAddress()).getPort();
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
        c.pipeline().addLast(node.serverTls().newHandler(c.alloc()), new HttpServerCodec(),
                new HttpObjectAggregator(MAX_BODY), new Handler(node.engine()));
    }

    /** Routes one request to the node's engine and writes its answer. */
    private static final class Handler extends SimpleChannelInboundHandler<FullHttpRequest> {
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
            ctx.close(); // a connection the manager dropped mid-call
        }
    }

    @Override public void close() {
        listener.close().syncUninterruptibly();
    }
}
