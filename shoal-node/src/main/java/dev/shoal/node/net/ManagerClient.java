package dev.shoal.node.net;

import dev.shoal.node.HostPort;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.io.Closeable;
import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * The agent's HTTP/1.1 client to the manager (heartbeats, certificate enrolment and renewal), on Netty and its TLS
 * (BoringSSL where it loads, as the relay): one connection kept open between requests, a connect deadline, and per
 * request an answer deadline (which a new connection's TLS handshake gets too: a busy manager's first handshake can
 * take seconds). It replaces the JDK's HttpClient and TLS in the agent: about 600 classes fewer loaded for a POST
 * every few seconds.
 *
 * <p>The manager's host name or address is checked against its certificate (endpoint identification "HTTPS", as the
 * JDK's client did), on top of whatever the context's trust manager checks. Requests are sent one at a time.
 */
public final class ManagerClient implements Closeable {
    /** More than any answer the manager gives (a certificate, a heartbeat reply); a bigger one is refused. */
    static final int MAX_ANSWER = 1 << 20;

    /** The manager's answer: HTTP status and body. */
    public record Answer(int status, byte[] body) {
    }

    /** The connection could not be made (refused, unreachable, no TCP answer in time): worth trying again later. */
    public static final class UnreachableException extends ConnectException {
        UnreachableException(String message, Throwable cause) {
            super(message);
            initCause(cause);
        }
    }

    /** The connection ended before the answer came. */
    private static final class ClosedBeforeAnswer extends IOException {
        ClosedBeforeAnswer() {
            super("the manager closed the connection before answering");
        }
    }

    private final HostPort manager;
    private final Duration connectTimeout;
    private final EventLoopGroup loop = Transport.newDaemonEventLoops(1, "manager-client");
    private volatile SslContext tls;
    /** The kept connection, or null; only touched under this object's lock. */
    private Connection kept;
    private boolean closed;

    /** {@code tls} null: plain HTTP (--insecure-cluster). */
    public ManagerClient(HostPort manager, SslContext tls, Duration connectTimeout) {
        this.manager = Objects.requireNonNull(manager);
        this.tls = tls;
        this.connectTimeout = connectTimeout;
    }

    public HostPort manager() {
        return manager;
    }

    /**
     * New connections use {@code context} (a renewed certificate) from now on; the kept one is closed before the next
     * request, since it would go on presenting the old certificate. A request in flight finishes on the old one.
     */
    public void useTls(SslContext context) {
        if (tls == null) {
            throw new IllegalStateException("a plain-HTTP client takes no TLS context");
        }
        tls = Objects.requireNonNull(context);
    }

    /**
     * POSTs {@code json} to {@code path} and waits at most {@code answerTimeout} for the answer (after connecting,
     * if no connection is kept). A kept connection the manager closed meanwhile is replaced once, transparently.
     */
    public synchronized Answer post(String path, byte[] json, Duration answerTimeout) throws IOException {
        if (closed) {
            throw new IOException("closed");
        }
        SslContext context = tls;
        Connection connection = kept;
        boolean reused = connection != null && connection.usable(context);
        if (!reused) {
            dropKept();
            connection = connect(context, answerTimeout);
            kept = connection;
        }
        try {
            return exchange(connection, path, json, answerTimeout);
        } catch (ClosedBeforeAnswer e) {
            dropKept();
            if (!reused) {
                throw e;
            }
            connection = connect(context, answerTimeout);
            kept = connection;
            return exchange(connection, path, json, answerTimeout);
        }
    }

    private Answer exchange(Connection connection, String path, byte[] json, Duration answerTimeout)
            throws IOException {
        FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.POST, path,
                Unpooled.wrappedBuffer(json));
        request.headers()
                .set(HttpHeaderNames.HOST, manager.toString())
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .set(HttpHeaderNames.USER_AGENT, "shoal-agent")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, json.length);
        CompletableFuture<Answer> answer = connection.expect();
        connection.channel.writeAndFlush(request).addListener(f -> {
            if (!f.isSuccess()) {
                answer.completeExceptionally(f.cause());
            }
        });
        try {
            return answer.get(answerTimeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            dropKept();
            throw new IOException("no answer from the manager within " + answerTimeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            dropKept();
            throw new IOException("interrupted", e);
        } catch (ExecutionException e) {
            dropKept();
            if (e.getCause() instanceof ClosedBeforeAnswer closedFirst) {
                throw closedFirst;
            }
            throw new IOException(messageOf(e.getCause()), e.getCause());
        }
    }

    /** Connects within the connect timeout, then completes the TLS handshake within {@code handshakeTimeout}. */
    private Connection connect(SslContext context, Duration handshakeTimeout) throws IOException {
        Connection connection = new Connection(context);
        ChannelFuture connected = new Bootstrap()
                .group(loop)
                .channel(Transport.tcpChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) connectTimeout.toMillis())
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (context != null) {
                            SslHandler handler = context.newHandler(ch.alloc(), manager.host(), manager.port());
                            SSLEngine engine = handler.engine();
                            SSLParameters parameters = engine.getSSLParameters();
                            parameters.setEndpointIdentificationAlgorithm("HTTPS");
                            engine.setSSLParameters(parameters);
                            handler.setHandshakeTimeoutMillis(handshakeTimeout.toMillis());
                            ch.pipeline().addLast("tls", handler);
                        }
                        ch.pipeline().addLast("http", new HttpClientCodec())
                                .addLast("whole", new HttpObjectAggregator(MAX_ANSWER))
                                .addLast("answers", connection.answers);
                    }
                })
                .connect(manager.toSocketAddress());
        Channel channel = connected.channel();
        try {
            if (!connected.await(connectTimeout.toMillis() + 1000) || !connected.isSuccess()) {
                channel.close();
                Throwable cause = connected.cause();
                throw new UnreachableException("cannot connect to " + manager + ": "
                        + (cause == null ? "no answer within " + connectTimeout.toMillis() + " ms" : messageOf(cause)),
                        cause);
            }
            SslHandler handler = channel.pipeline().get(SslHandler.class);
            if (handler != null) {
                var handshake = handler.handshakeFuture();
                if (!handshake.await(handshakeTimeout.toMillis() + 1000) || !handshake.isSuccess()) {
                    channel.close();
                    Throwable cause = handshake.cause();
                    throw new IOException("TLS with " + manager + " failed: "
                            + (cause == null ? "no handshake within " + handshakeTimeout.toMillis() + " ms"
                            : messageOf(cause)), cause);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            channel.close();
            throw new IOException("interrupted", e);
        }
        connection.channel = channel;
        return connection;
    }

    private void dropKept() {
        if (kept != null) {
            kept.channel.close();
            kept = null;
        }
    }

    /** The most telling message of a failure: Netty's and the TLS engine's often sit in a cause. */
    private static String messageOf(Throwable e) {
        String message = null;
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                message = t.getMessage();
            }
        }
        return message != null ? message : e.getClass().getSimpleName();
    }

    /** Closes the kept connection and stops the client's event loop. */
    @Override
    public synchronized void close() {
        closed = true;
        dropKept();
        loop.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }

    /** One connection and the answer it waits for. */
    private static final class Connection {
        private final SslContext context;
        private final Answers answers = new Answers();
        private Channel channel;

        Connection(SslContext context) {
            this.context = context;
        }

        /** Whether it can carry the next request: still open and made with the context asked for. */
        boolean usable(SslContext wanted) {
            return channel.isActive() && context == wanted && !answers.closing;
        }

        CompletableFuture<Answer> expect() {
            CompletableFuture<Answer> next = new CompletableFuture<>();
            answers.pending = next;
            if (!channel.isActive()) {
                next.completeExceptionally(new ClosedBeforeAnswer());
            }
            return next;
        }
    }

    /** Completes the pending answer with what the channel brings; a close or failure fails it. */
    private static final class Answers extends SimpleChannelInboundHandler<FullHttpResponse> {
        private volatile CompletableFuture<Answer> pending;
        private volatile boolean closing;

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
            if (!HttpUtil.isKeepAlive(response)) {
                closing = true;
            }
            CompletableFuture<Answer> waiting = pending;
            if (waiting != null) {
                waiting.complete(new Answer(response.status().code(), ByteBufUtil.getBytes(response.content())));
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            CompletableFuture<Answer> waiting = pending;
            if (waiting != null) {
                waiting.completeExceptionally(new ClosedBeforeAnswer());
            }
            ctx.fireChannelInactive();
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            CompletableFuture<Answer> waiting = pending;
            if (waiting != null) {
                waiting.completeExceptionally(cause);
            }
            ctx.close();
        }
    }
}
