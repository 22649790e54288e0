package dev.shoal.manager.dispatcher;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.shoal.manager.state.ClusterStore;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslCloseCompletionEvent;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.ScheduledFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSession;
import java.io.Closeable;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The cluster port's HTTP(S) server on Netty: heartbeats, certificate issue and renewal. Every agent keeps one
 * connection open and beats on it every 2 s, so what an idle connection costs is what the manager pays per node:
 * the JDK's {@code HttpsServer} kept four TLS-record-sized buffers (about 67 KB) per connection for its life, and a
 * connection its client had given up on stayed until its idle time ran out (5,000 nodes: several hundred MB of heap).
 * Here an idle connection holds its TLS engine and the codec's small state; buffers are taken from the pool for a read
 * and given back, and a closed connection is let go at once. Requests are read whole (at most {@code maxBody} bytes),
 * then handled on a virtual thread (a heartbeat may wait for a Raft commit), one at a time per connection.
 *
 * <p>Bounds, as the JDK server had them: a request must arrive within {@link #REQUEST_TIME}, a connection idle for
 * {@link #IDLE} is closed, at most {@link #MAX_CONNECTIONS} are open at once; and at most {@link #MAX_HANDSHAKES}
 * TLS handshakes are under way. TLS 1.3 only; a client certificate is
 * asked for but not required (an enrolling node has none yet); the handlers check it.
 */
final class ClusterPort implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(ClusterPort.class);
    static final Duration REQUEST_TIME = Duration.ofSeconds(10);
    static final Duration IDLE = Duration.ofSeconds(60);
    static final int MAX_CONNECTIONS = 10_000;
    /**
     * TLS handshakes under way at once; a connection beyond is closed at once (its client tries again). The
     * handshakes' arithmetic runs off the event loops, so they keep answering the kept-alive agents; this bound keeps
     * a crowd reconnecting at once (heartbeats timed out on a starved machine) from queueing half-made connections
     * without end (measured: 17,000 of them, 150 MB, at 174 nodes), which would make more heartbeats time out.
     */
    static final int MAX_HANDSHAKES = 64;

    /** Answers one request; runs on a virtual thread. */
    interface Handler {
        ClusterReply handle(ClusterRequest request);
    }

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger handshaking = new AtomicInteger();
    /**
     * The handshakes' arithmetic: platform threads, not the virtual threads' carriers (CPU-bound work there would
     * hold up every virtual thread: heartbeat handlers, certificate renewal), nor the event loops.
     */
    private final ExecutorService handshakes = Executors.newFixedThreadPool(2,
            Thread.ofPlatform().daemon().name("cluster-tls-", 0).factory());
    private final Channel channel;

    /**
     * Listens on {@code address}.
     *
     * @param tls      the TLS context (the session cache is bounded here), or null for plain HTTP
     * @param routes   handler by exact path (the query is ignored)
     * @param tooLarge the 413 message for a body over {@code maxBody}, by path
     */
    ClusterPort(InetSocketAddress address, SSLContext tls, Map<String, Handler> routes, int maxBody,
                Map<String, String> tooLarge) throws InterruptedException {
        if (tls != null) {
            boundSessionCache(tls);
        }
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        if (open.incrementAndGet() > MAX_CONNECTIONS) {
                            open.decrementAndGet();
                            ch.close();
                            return;
                        }
                        ch.closeFuture().addListener(f -> open.decrementAndGet());
                        if (tls != null) {
                            if (handshaking.incrementAndGet() > MAX_HANDSHAKES) {
                                handshaking.decrementAndGet();
                                ch.close();
                                return;
                            }
                            SslHandler ssl = new SslHandler(serverEngine(tls), handshakes);
                            ssl.handshakeFuture().addListener(f -> handshaking.decrementAndGet());
                            ch.pipeline().addLast(ssl);
                        }
                        ch.pipeline().addLast(new IdleStateHandler(0, 0, IDLE.toSeconds(), TimeUnit.SECONDS))
                                .addLast(new HttpServerCodec())
                                .addLast(new RequestDeadline())
                                .addLast(new Aggregator(maxBody, tooLarge))
                                .addLast(new Requests(routes));
                    }
                });
        channel = b.bind(address).sync().channel();
    }

    /** The JDK keeps up to 20,480 TLS sessions for a day by default; a node resumes at most its own few. */
    static void boundSessionCache(SSLContext tls) {
        tls.getServerSessionContext().setSessionCacheSize(1_000);
        tls.getServerSessionContext().setSessionTimeout((int) Duration.ofHours(1).toSeconds());
    }

    private static SSLEngine serverEngine(SSLContext tls) {
        SSLEngine engine = tls.createSSLEngine();
        engine.setUseClientMode(false);
        SSLParameters params = tls.getDefaultSSLParameters();
        params.setProtocols(new String[] {dev.shoal.node.tls.ClusterTls.PROTOCOL});
        params.setWantClientAuth(true);
        engine.setSSLParameters(params);
        return engine;
    }

    int port() {
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    /** Connections open now. */
    int connections() {
        return open.get();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownNow();
        handshakes.shutdownNow();
    }

    /** Closes a connection whose request has not arrived whole within {@link #REQUEST_TIME}, or that sat idle. */
    private static final class RequestDeadline extends ChannelDuplexHandler {
        private ScheduledFuture<?> deadline;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest && deadline == null) {
                deadline = ctx.executor().schedule(() -> ctx.close(), REQUEST_TIME.toMillis(), TimeUnit.MILLISECONDS);
            }
            if (msg instanceof LastHttpContent && deadline != null) {
                deadline.cancel(false);
                deadline = null;
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof IdleStateEvent || evt instanceof SslCloseCompletionEvent) { // idle, or the peer's close_notify
                ctx.close();
            } else {
                ctx.fireUserEventTriggered(evt);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (deadline != null) {
                deadline.cancel(false);
            }
            ctx.fireChannelInactive();
        }
    }

    /** Reads a request whole; a body over the limit is answered 413 with the path's message, and the connection closed. */
    private static final class Aggregator extends HttpObjectAggregator {
        private final Map<String, String> tooLarge;

        Aggregator(int maxBody, Map<String, String> tooLarge) {
            super(maxBody);
            this.tooLarge = tooLarge;
        }

        @Override
        protected void handleOversizedMessage(ChannelHandlerContext ctx, HttpMessage oversized) {
            String path = oversized instanceof HttpRequest r ? pathOf(r.uri()) : "";
            write(ctx, ClusterReply.error(413, tooLarge.getOrDefault(path, "request too large")), false);
        }
    }

    /** Hands each whole request to its route's handler on a virtual thread; reading waits for the answer. */
    private final class Requests extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final Map<String, Handler> routes;
        private CompletableFuture<Void> inOrder = CompletableFuture.completedFuture(null);

        Requests(Map<String, Handler> routes) {
            this.routes = routes;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest msg) {
            boolean keepAlive = HttpUtil.isKeepAlive(msg);
            if (!msg.decoderResult().isSuccess()) {
                write(ctx, ClusterReply.error(400, "malformed request"), false);
                return;
            }
            Handler handler = routes.get(pathOf(msg.uri()));
            if (handler == null) {
                write(ctx, ClusterReply.error(404, "no such path"), keepAlive);
                return;
            }
            SslHandler ssl = ctx.pipeline().get(SslHandler.class);
            SSLSession session = ssl == null ? null : ssl.engine().getSession();
            ClusterRequest request = new ClusterRequest(msg.method().name(), pathOf(msg.uri()),
                    io.netty.buffer.ByteBufUtil.getBytes(msg.content()), session, String.valueOf(ctx.channel().remoteAddress()));
            // one request at a time per connection, answered in order (an HTTP/1.1 client may pipeline)
            inOrder = inOrder.thenRunAsync(() -> {
                ClusterReply reply;
                try {
                    reply = handler.handle(request);
                } catch (RuntimeException e) {
                    log.warn("{} {} failed: {}", request.method(), request.path(), e.toString());
                    reply = ClusterReply.error(500, "request failed: " + e.getMessage());
                }
                write(ctx, reply, keepAlive);
            }, workers);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("cluster port connection from {}: {}", ctx.channel().remoteAddress(), cause.toString());
            ctx.close();
        }
    }

    private static void write(ChannelHandlerContext ctx, ClusterReply reply, boolean keepAlive) {
        byte[] bytes;
        try {
            bytes = ClusterStore.JSON.writeValueAsBytes(reply.body());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(reply.status()), Unpooled.wrappedBuffer(bytes));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, bytes.length);
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        ctx.writeAndFlush(response).addListener(keepAlive ? ChannelFutureListener.CLOSE_ON_FAILURE
                : ChannelFutureListener.CLOSE);
    }

    static String pathOf(String uri) {
        int q = uri.indexOf('?');
        return q < 0 ? uri : uri.substring(0, q);
    }
}
