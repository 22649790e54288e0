package dev.shoal.node.net;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;

/**
 * Netty's native epoll transport where it loads (with {@link HalfCloseSafeEpoll}), else NIO: the event loops and the
 * channel types that go with them, chosen in one place.
 */
public final class Transport {
    private Transport() {
    }

    public static boolean isEpoll() {
        return Epoll.isAvailable();
    }

    /** {@code threads} event loops (0: Netty's default, twice the cores). */
    public static EventLoopGroup newEventLoops(int threads) {
        return new MultiThreadIoEventLoopGroup(threads, ioHandlers());
    }

    /**
     * {@code threads} event loops on daemon threads named {@code name-…}: for a client that should not keep the JVM
     * alive when its owner forgets to close it.
     */
    public static EventLoopGroup newDaemonEventLoops(int threads, String name) {
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(name, true), ioHandlers());
    }

    private static IoHandlerFactory ioHandlers() {
        return isEpoll() ? HalfCloseSafeEpoll.newFactory() : NioIoHandler.newFactory();
    }

    public static Class<? extends ServerChannel> tcpServerChannel() {
        return isEpoll() ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
    }

    public static Class<? extends Channel> tcpChannel() {
        return isEpoll() ? EpollSocketChannel.class : NioSocketChannel.class;
    }

    public static Class<? extends Channel> unixChannel() {
        return isEpoll() ? EpollDomainSocketChannel.class : NioDomainSocketChannel.class;
    }

    /** The address of a unix socket in the form the unix channel type takes. */
    public static SocketAddress unixAddress(String path) {
        return isEpoll() ? new DomainSocketAddress(path) : UnixDomainSocketAddress.of(path);
    }
}
