package dev.shoal.node.net;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.socket.ChannelInputShutdownReadComplete;
import io.netty.channel.unix.DomainSocketAddress;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A client that half-closes at once and then reads a stream larger than the socket buffers gets all of it: the case
 * of {@code docker exec c seq 1 200000} without stdin, which lost its tail on plain Netty 4.2.18 epoll.
 */
class HalfCloseSafeEpollTest {
    private static final int CHUNK = 64 * 1024;
    private static final int CHUNKS = 160; // 10 MiB, far more than a unix socket buffers

    @TempDir
    Path dir;
    private EventLoopGroup group;
    private Channel server;

    @BeforeEach
    void serve() throws Exception {
        assumeTrue(Epoll.isAvailable(), "epoll is not available here");
        group = new MultiThreadIoEventLoopGroup(1, HalfCloseSafeEpoll.newFactory());
        server = new ServerBootstrap()
                .group(group)
                .channel(EpollServerDomainSocketChannel.class)
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline().addLast(new StreamAfterClientEof());
                    }
                })
                .bind(new DomainSocketAddress(dir.resolve("api.sock").toFile())).sync().channel();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
        if (group != null) {
            group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS);
        }
    }

    @Test
    void everyByteArrivesAfterTheClientHalfCloses() throws Exception {
        for (int round = 0; round < 5; round++) {
            try (SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                client.connect(UnixDomainSocketAddress.of(dir.resolve("api.sock")));
                client.shutdownOutput();
                InputStream in = Channels.newInputStream(client);
                long total = 0;
                byte[] buf = new byte[8192];
                for (int n; (n = in.read(buf)) >= 0; ) {
                    total += n;
                }
                assertEquals((long) CHUNK * CHUNKS, total, "bytes received in round " + round);
            }
        }
    }

    /** Writes the whole stream once the client's EOF is read, then closes: the order an exec without stdin sees. */
    private static final class StreamAfterClientEof extends ChannelInboundHandlerAdapter {
        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof ChannelInputShutdownReadComplete) {
                byte[] chunk = new byte[CHUNK];
                for (int i = 0; i < CHUNKS; i++) {
                    ctx.write(Unpooled.wrappedBuffer(chunk));
                }
                ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
        }
    }
}
