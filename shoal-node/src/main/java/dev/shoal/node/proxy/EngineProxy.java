package dev.shoal.node.proxy;

import dev.shoal.node.HostPort;
import dev.shoal.node.engine.EngineAddress;
import dev.shoal.node.net.Transport;
import dev.shoal.node.tls.ClusterTls;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Relays every connection the manager opens to this node to the local engine, byte for byte, in both directions:
 * it does not look at the traffic and never acts on containers by itself. Over mutual TLS (the cluster CA; only the
 * manager's certificate is let through) unless the cluster is insecure.
 *
 * <p>Event-driven on Netty (BoringSSL for TLS where it loads): each side is read only while the other side's
 * connection takes more (back-pressure), what one read brings is written to the other side in one go, and
 * half-close passes through (the end of one direction ends the other side's output, the opposite direction keeps
 * flowing; Docker's attach and exec depend on it).
 */
public final class EngineProxy implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(EngineProxy.class);
    private static final int HANDSHAKE_TIMEOUT_MILLIS = 10_000;
    /** What may wait in this process for the manager's connection before the engine is read no more. */
    private static final WriteBufferWaterMark TOWARD_MANAGER = new WriteBufferWaterMark(256 * 1024, 1024 * 1024);
    /**
     * What may wait here for the engine before the manager is read no more: deep on purpose. An upload (docker cp in,
     * a build context, docker load) reaches the engine before the engine reads it — dockerd first starts its
     * extraction helper, about 70 ms on the lab — so the manager's side keeps streaming into this buffer meanwhile and
     * the engine then reads from memory here, as it would read from a local client. 16 MB covers that start-up at the
     * relay's speed; past it, back-pressure as usual. Beyond {@link #READ_AHEAD_BASE} each, all connections together
     * hold at most {@link #READ_AHEAD_BUDGET} (plus one wake-up's reads each), so many slow uploads at once cannot
     * exhaust the agent's memory.
     */
    private static final WriteBufferWaterMark TOWARD_ENGINE = new WriteBufferWaterMark(8 << 20, 16 << 20);
    static final long READ_AHEAD_BASE = 1 << 20;
    static final long READ_AHEAD_BUDGET = 64 << 20;
    /** Socket reads grow up to 256 KB on bulk transfers (fewer reads, TLS unwraps and writes per megabyte). */
    private static final io.netty.channel.RecvByteBufAllocator READS =
            new io.netty.channel.AdaptiveRecvByteBufAllocator(2048, 16384, 256 * 1024);

    private final EventLoopGroup group;
    private final Set<Channel> open = ConcurrentHashMap.newKeySet();
    /** The connections to the engine (a subset of {@link #open}). */
    private final Set<Channel> engines = ConcurrentHashMap.newKeySet();
    private volatile Channel server;
    /** The TLS context new connections get (replaced when the node's certificate is renewed); null: plain TCP. */
    private volatile SslContext context;
    private volatile HostPort bound;
    private volatile boolean closed;

    private EngineProxy(EventLoopGroup group) {
        this.group = group;
    }

    /**
     * Listens on {@code address} and relays to {@code engine}. With {@code tls}, a connection gets through only with
     * a certificate from the cluster CA naming {@code peerCommonName}; with null, plain TCP (--insecure-cluster).
     */
    public static EngineProxy start(HostPort address, ClusterTls tls, String peerCommonName, EngineAddress engine)
            throws IOException {
        EventLoopGroup group = Transport.newEventLoops(2);
        EngineProxy self = new EngineProxy(group); // made before binding: a connection may arrive at once
        self.context = tls == null ? null : serverContext(tls);
        Channel server;
        try {
            server = new ServerBootstrap()
                    .group(group)
                    .channel(Transport.tcpServerChannel())
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .option(ChannelOption.SO_BACKLOG, 128)
                    .childOption(ChannelOption.AUTO_READ, false)
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, TOWARD_MANAGER)
                    .childOption(ChannelOption.RCVBUF_ALLOCATOR, READS)
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            SslContext context = self.context;
                            if (context != null) {
                                SslHandler handler = context.newHandler(ch.alloc());
                                handler.setHandshakeTimeoutMillis(HANDSHAKE_TIMEOUT_MILLIS);
                                ch.pipeline().addLast("tls", handler);
                            }
                            ch.pipeline().addLast("front", self.new Front(engine, peerCommonName, context != null));
                        }
                    })
                    .bind(address.toSocketAddress())
                    .syncUninterruptibly()
                    .channel();
        } catch (RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new IOException("cannot listen on " + address + ": " + e.getMessage(), e);
        }
        self.server = server;
        self.bound = address.withPort(((InetSocketAddress) server.localAddress()).getPort());
        return self;
    }

    /**
     * New connections present {@code tls} (a renewed certificate) from now on; connections already open finish on
     * the context they started with.
     */
    public void useTls(ClusterTls tls) throws SSLException {
        if (context == null) {
            throw new IllegalStateException("a plain-TCP proxy takes no TLS");
        }
        context = serverContext(tls);
    }

    /** TLS 1.3 with a required client certificate chaining to the cluster CA. */
    private static SslContext serverContext(ClusterTls tls) throws SSLException {
        return SslContextBuilder.forServer(tls.key(), tls.cert(), tls.ca())
                .sslProvider(ClusterTls.nettyProvider())
                .trustManager(tls.ca())
                .clientAuth(ClientAuth.REQUIRE)
                .protocols(ClusterTls.PROTOCOL)
                .build();
    }

    /** The address actually bound (the real port when 0 was asked for). */
    public HostPort localAddress() {
        return bound;
    }

    /**
     * Whether {@code engine}'s connection may take more from the manager: always up to {@link #READ_AHEAD_BASE}
     * waiting, past that only while the read-ahead of all engine connections stays within {@link #READ_AHEAD_BUDGET}.
     */
    private boolean mayGrow(Channel engine) {
        if (waiting(engine) <= READ_AHEAD_BASE) {
            return true;
        }
        long ahead = 0;
        for (Channel ch : engines) {
            ahead += Math.max(0, waiting(ch) - READ_AHEAD_BASE);
        }
        return ahead <= READ_AHEAD_BUDGET;
    }

    /** Bytes written to {@code ch} that it has not yet passed to the kernel. */
    private static long waiting(Channel ch) {
        var out = ch.unsafe().outboundBuffer();
        return out == null ? 0 : out.totalPendingWriteBytes();
    }

    /** Bytes waiting here for the engine, over all connections (for tests). */
    long waitingForEngine() {
        long sum = 0;
        for (Channel ch : engines) {
            sum += waiting(ch);
        }
        return sum;
    }

    /** Number of manager connections being relayed now. */
    public int activeConnections() {
        return (int) open.stream().filter(ch -> ch.parent() != null && ch.pipeline().get(Pipe.class) != null).count();
    }

    /** Stops accepting and drops the open connections. Containers are not touched. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        server.close().syncUninterruptibly();
        open.forEach(Channel::close);
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        open.clear();
    }

    /**
     * The manager's side of one connection until the engine is connected: waits for the TLS handshake (and checks the
     * peer), dials the engine, then hands both channels to a {@link Pipe} each.
     */
    private final class Front extends ChannelInboundHandlerAdapter {
        private final EngineAddress engine;
        private final String peerCommonName;
        private final boolean tls;

        Front(EngineAddress engine, String peerCommonName, boolean tls) {
            this.engine = engine;
            this.peerCommonName = peerCommonName;
            this.tls = tls;
        }

        @Override
        public void channelActive(ChannelHandlerContext ctx) {
            if (closed) {
                ctx.close();
                return;
            }
            open.add(ctx.channel());
            ctx.channel().closeFuture().addListener(f -> open.remove(ctx.channel()));
            if (tls) {
                ctx.read(); // the handshake; the TLS handler reads on by itself until it is done
            } else {
                connectEngine(ctx);
            }
            ctx.fireChannelActive();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof SslHandshakeCompletionEvent done) {
                if (!done.isSuccess()) {
                    LOG.debug("refused a connection from {}: {}", ctx.channel().remoteAddress(), done.cause().toString());
                    ctx.close();
                    return;
                }
                try {
                    checkPeer(ctx.pipeline().get(SslHandler.class));
                } catch (SSLPeerUnverifiedException e) {
                    LOG.warn("refused a connection from {}: {}", ctx.channel().remoteAddress(), e.getMessage());
                    ctx.close();
                    return;
                }
                connectEngine(ctx);
                return;
            }
            ctx.fireUserEventTriggered(evt);
        }

        private void checkPeer(SslHandler handler) throws SSLPeerUnverifiedException {
            Certificate[] chain = handler.engine().getSession().getPeerCertificates();
            String cn = chain.length > 0 && chain[0] instanceof X509Certificate leaf ? ClusterTls.commonName(leaf) : "";
            if (!cn.equals(peerCommonName)) {
                throw new SSLPeerUnverifiedException("client certificate names \"" + cn + "\", want \""
                        + peerCommonName + "\"");
            }
        }

        private void connectEngine(ChannelHandlerContext ctx) {
            Channel front = ctx.channel();
            Pipe frontPipe = new Pipe(EngineProxy.this::mayGrow);
            front.pipeline().replace(this, "pipe", frontPipe); // bytes that arrive meanwhile wait in the pipe
            SocketAddress to = engine.isUnix() ? Transport.unixAddress(engine.uri().getPath())
                    : engine.socketAddress();
            new Bootstrap()
                    .group(front.eventLoop())
                    .channel(engine.isUnix() ? Transport.unixChannel() : Transport.tcpChannel())
                    .option(ChannelOption.AUTO_READ, false)
                    .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .option(ChannelOption.WRITE_BUFFER_WATER_MARK, TOWARD_ENGINE)
                    .option(ChannelOption.RCVBUF_ALLOCATOR, READS)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000)
                    .handler(new Pipe())
                    .connect(to)
                    .addListener((ChannelFutureListener) f -> {
                        if (!f.isSuccess()) {
                            LOG.debug("cannot connect to engine {}: {}", engine, f.cause().toString());
                            front.close();
                            return;
                        }
                        Channel back = f.channel();
                        open.add(back);
                        engines.add(back);
                        back.closeFuture().addListener(c -> {
                            open.remove(back);
                            engines.remove(back);
                        });
                        Pipe backPipe = back.pipeline().get(Pipe.class);
                        backPipe.join(back, front);
                        frontPipe.join(front, back);
                    });
        }
    }
}
