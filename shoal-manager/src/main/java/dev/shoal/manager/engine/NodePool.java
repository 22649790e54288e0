package dev.shoal.manager.engine;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.stream.ChunkedWriteHandler;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import javax.net.ssl.SSLParameters;

/**
 * The kept-alive HTTP/1.1 connections to one node's engine (through its agent), so that a call pays a TCP and TLS
 * handshake only when every open connection is busy. At most {@link #MAX_CONNECTIONS} are open at once: a call
 * beyond that waits for the next one freed, in order. The connection used most recently is taken first (the others
 * age out): one idle for {@link #IDLE_SECONDS} is closed, and one the node closes leaves the pool at once (an idle
 * connection keeps reading).
 */
final class NodePool {
    static final int MAX_CONNECTIONS = 16;
    static final int IDLE_SECONDS = 30;
    static final int CONNECT_TIMEOUT_MILLIS = 3000;

    private final String host;
    private final int port;
    private final Bootstrap bootstrap;
    private final Supplier<SslContext> tls;
    private final Object lock = new Object();
    /** Open connections no call holds, the most recently used first. */
    private final ArrayDeque<Channel> idle = new ArrayDeque<>();
    /** Calls waiting for a connection, in arrival order; a cancelled one is skipped. */
    private final ArrayDeque<CompletableFuture<Channel>> waiting = new ArrayDeque<>();
    /** Connections open or being opened. */
    private int open;

    /**
     * @param base a bootstrap with the event loops and channel type set; this pool adds its handlers
     * @param tls  the context for new connections at the moment they open; null (not the supplier's value) for HTTP
     */
    NodePool(String host, int port, Bootstrap base, Supplier<SslContext> tls) {
        this.host = host;
        this.port = port;
        this.tls = tls;
        this.bootstrap = base.clone().handler(new ChannelInitializer<>() {
            @Override
            protected void initChannel(Channel ch) {
                if (tls != null) {
                    ch.pipeline().addLast("tls", tlsHandler(ch));
                }
                ch.pipeline().addLast("http", new HttpClientCodec(4096, 65536, 65536));
                ch.pipeline().addLast("chunks", new ChunkedWriteHandler());
                ch.pipeline().addLast("idle", new IdleStateHandler(0, 0, IDLE_SECONDS, TimeUnit.SECONDS));
                ch.pipeline().addLast("exchange", new Exchange.Handler());
            }
        });
    }

    /**
     * TLS to the node, checking that its certificate names the host dialled (the trust manager then checks that it
     * is the certificate of the node registered at this host and port).
     */
    private SslHandler tlsHandler(Channel ch) {
        SslHandler handler = tls.get().newHandler(ch.alloc(), host, port);
        SSLParameters params = handler.engine().getSSLParameters();
        params.setEndpointIdentificationAlgorithm("HTTPS");
        handler.engine().setSSLParameters(params);
        return handler;
    }

    /**
     * A connection for one exchange: an idle one, else a new one while fewer than {@link #MAX_CONNECTIONS} are open,
     * else the next one freed. Fails with the connect's (or TLS handshake's) cause. A caller that gives up cancels the
     * future; a connection that arrives for it then goes to the next caller.
     */
    CompletableFuture<Channel> acquire() {
        CompletableFuture<Channel> lease = new CompletableFuture<>();
        synchronized (lock) {
            for (Channel ch; (ch = idle.pollFirst()) != null; ) {
                if (ch.isActive()) {
                    lease.complete(ch);
                    return lease;
                }
            }
            if (open >= MAX_CONNECTIONS) {
                waiting.addLast(lease);
                return lease;
            }
            open++;
        }
        connect(lease);
        return lease;
    }

    /** Forgets a caller that gave up waiting. */
    void forget(CompletableFuture<Channel> lease) {
        synchronized (lock) {
            waiting.remove(lease);
        }
    }

    /**
     * Gives back a connection whose exchange ended: to the next waiting caller or the idle ones if {@code reusable}
     * (its answer read whole, its request sent whole, the node keeping it alive), else closes it.
     */
    void release(Channel ch, boolean reusable) {
        if (!reusable || !ch.isActive()) {
            ch.close(); // counted out when it has closed
            return;
        }
        while (true) {
            CompletableFuture<Channel> next;
            synchronized (lock) {
                next = waiting.pollFirst();
                if (next == null) {
                    idle.addFirst(ch);
                    return;
                }
            }
            if (next.complete(ch)) {
                return;
            }
        }
    }

    /** Connections open or being opened, busy or idle. */
    int open() {
        synchronized (lock) {
            return open;
        }
    }

    private void connect(CompletableFuture<Channel> lease) {
        bootstrap.connect(host, port).addListener((ChannelFutureListener) f -> {
            if (!f.isSuccess()) {
                slotFreed();
                lease.completeExceptionally(f.cause());
                return;
            }
            Channel ch = f.channel();
            ch.closeFuture().addListener(c -> closed(ch));
            SslHandler handshake = ch.pipeline().get(SslHandler.class);
            if (handshake == null) {
                handOver(lease, ch);
                return;
            }
            handshake.handshakeFuture().addListener(h -> {
                if (h.isSuccess()) {
                    handOver(lease, ch);
                } else {
                    lease.completeExceptionally(h.cause());
                    ch.close();
                }
            });
        });
    }

    /** A new connection to the caller it was opened for, or to the next one if that caller gave up. */
    private void handOver(CompletableFuture<Channel> lease, Channel ch) {
        if (!lease.complete(ch)) {
            release(ch, true);
        }
    }

    private void closed(Channel ch) {
        synchronized (lock) {
            idle.remove(ch);
        }
        slotFreed();
    }

    /** A connection closed or failed to open: a waiting caller, if any, gets a new one in its place. */
    private void slotFreed() {
        CompletableFuture<Channel> next;
        synchronized (lock) {
            open--;
            do {
                next = waiting.pollFirst();
            } while (next != null && next.isDone());
            if (next == null) {
                return;
            }
            open++;
        }
        connect(next);
    }
}
