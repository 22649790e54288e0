package dev.shoal.manager.testing;

import dev.shoal.manager.engine.EngineClient;
import dev.shoal.node.tls.ClusterTls;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.util.concurrent.DefaultThreadFactory;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;

/** Engine clients for tests, on event loops shared by all tests of a run (daemon threads: nothing to close). */
public final class EngineClients {
    private static final EventLoopGroup LOOPS = new MultiThreadIoEventLoopGroup(2,
            new DefaultThreadFactory("test-engine-client", true), NioIoHandler.newFactory());

    private EngineClients() { }

    public static EventLoopGroup loops() {
        return LOOPS;
    }

    /** Calls over plain HTTP (--insecure-cluster). */
    public static EngineClient plain() {
        return new EngineClient(LOOPS, NioSocketChannel.class, null);
    }

    /** Calls presenting {@code tls}'s certificate, trusting what {@code trust} says of nodes. */
    public static EngineClient over(ClusterTls tls, TrustManager trust) {
        return new EngineClient(LOOPS, NioSocketChannel.class, tlsOf(tls, trust));
    }

    /** Calls presenting {@code tls}'s certificate, trusting only its CA (and checking hostnames). */
    public static EngineClient over(ClusterTls tls) {
        return over(tls, tls.trustOnlyCa());
    }

    /** Both transports' contexts, built as the manager builds them. */
    public static EngineClient.Tls tlsOf(ClusterTls tls, TrustManager trust) {
        try {
            return new EngineClient.Tls(tls.sslContext(trust), SslContextBuilder.forClient()
                    .keyManager(tls.key(), tls.cert(), tls.ca())
                    .trustManager(trust)
                    .protocols(ClusterTls.PROTOCOL)
                    .build());
        } catch (SSLException e) {
            throw new IllegalStateException(e);
        }
    }
}
