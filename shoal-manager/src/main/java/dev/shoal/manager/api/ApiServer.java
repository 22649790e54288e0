package dev.shoal.manager.api;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import dev.shoal.node.net.HalfCloseSafeEpoll;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** Serves the Docker Engine API on unix sockets and TCP ports, each request answered by the {@link Router}. */
public final class ApiServer implements Closeable {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ApiServer.class);
    /** Shared with the engine proxy so a relay's two channels live on one event loop. */
    private final EventLoopGroup group;
    private final ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
    private final Router router;
    private final ApiLimits limits;
    private final List<Channel> listeners = new ArrayList<>();
    private final List<Path> sockets = new ArrayList<>();
    private volatile long lastCapWarning = System.nanoTime() - 20_000_000_000L;

    public ApiServer(EventLoopGroup group, Router router) {
        this(group, router, ApiLimits.DEFAULT);
    }

    public ApiServer(EventLoopGroup group, Router router, ApiLimits limits) {
        this.group = group;
        this.router = router;
        this.limits = limits;
    }

    /** The event loops the API and the engine proxy share. */
    public static EventLoopGroup newEventLoops() {
        return new MultiThreadIoEventLoopGroup(Epoll.isAvailable() ? HalfCloseSafeEpoll.newFactory() : NioIoHandler.newFactory());
    }

    /** The client-side TCP channel type matching {@link #newEventLoops()}. */
    public static Class<? extends Channel> clientChannelType() {
        return Epoll.isAvailable() ? EpollSocketChannel.class : io.netty.channel.socket.nio.NioSocketChannel.class;
    }

    public EventLoopGroup group() {
        return group;
    }

    public void listenUnix(Path socket) throws IOException {
        Files.createDirectories(socket.toAbsolutePath().getParent());
        Files.deleteIfExists(socket);
        if (Epoll.isAvailable()) {
            bind(EpollServerDomainSocketChannel.class, new DomainSocketAddress(socket.toFile()), null);
        } else {
            log.warn("epoll is not available: on {} a client that closes stdin early may lose output", socket);
            bind(NioServerDomainSocketChannel.class, UnixDomainSocketAddress.of(socket), null);
        }
        Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
        sockets.add(socket);
    }

    public void listenTcp(InetSocketAddress address, SslContext tls) throws IOException {
        bind(Epoll.isAvailable() ? EpollServerSocketChannel.class : NioServerSocketChannel.class, address, tls);
    }

    /** The bound address of each listener, in the order they were added. */
    public List<SocketAddress> addresses() {
        return listeners.stream().map(Channel::localAddress).toList();
    }

    private void bind(Class<? extends io.netty.channel.ServerChannel> type, SocketAddress address, SslContext tls)
            throws IOException {
        java.util.concurrent.atomic.AtomicInteger open = new java.util.concurrent.atomic.AtomicInteger();
        ServerBootstrap b = new ServerBootstrap()
                .group(group)
                .channel(type)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (open.incrementAndGet() > limits.maxConnections()) {
                            open.decrementAndGet();
                            long now = System.nanoTime();
                            if (now - lastCapWarning > 10_000_000_000L) {
                                lastCapWarning = now;
                                log.warn("{}: {} connections already open, closing new ones", address,
                                        limits.maxConnections());
                            }
                            ch.close();
                            return;
                        }
                        ch.closeFuture().addListener(f -> open.decrementAndGet());
                        if (tls != null) {
                            ch.pipeline().addLast("tls", tls.newHandler(ch.alloc()));
                        }
                        ApiChannelHandler api = new ApiChannelHandler(router, workers, limits);
                        ch.pipeline().addLast("bytes", api.bytesSeen());
                        ch.pipeline().addLast("http", new HttpServerCodec(16384, 65536, 1 << 20));
                        ch.pipeline().addLast("api", api);
                    }
                });
        if (type == NioServerSocketChannel.class || type == EpollServerSocketChannel.class) {
            b.childOption(ChannelOption.TCP_NODELAY, true);
        }
        if (type != NioServerDomainSocketChannel.class) {
            b.childOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        }
        // bulk uploads (cp in, build contexts) arrive in reads of up to 256 KB instead of 64 KB
        b.childOption(ChannelOption.RCVBUF_ALLOCATOR,
                new io.netty.channel.AdaptiveRecvByteBufAllocator(2048, 16384, 256 * 1024));
        try {
            listeners.add(b.bind(address).sync().channel());
        } catch (Exception e) {
            throw new IOException("cannot listen on " + address + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        listeners.forEach(Channel::close);
        group.shutdownGracefully(0, 2, java.util.concurrent.TimeUnit.SECONDS);
        workers.shutdownNow();
        for (Path s : sockets) {
            try {
                Files.deleteIfExists(s);
            } catch (IOException ignored) {
                // best effort
            }
        }
    }
}
