package dev.shoal.cli.bench;

import dev.shoal.node.HostPort;
import dev.shoal.node.tls.ClusterTls;
import dev.shoal.node.tls.Enrollment;
import dev.shoal.node.tls.JoinToken;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.util.Map;
import javax.net.ssl.SSLException;

/**
 * One simulated node: the identity an agent would have (node ID, name, its own loopback address 127.1.Y.Z as the
 * advertised host), the cluster certificate it got by enrolling with the join token exactly as the agent does
 * ({@link Enrollment#enroll}), and its in-memory engine.
 */
final class SimulatedNode {
    private final int index;
    private final String id;
    private final String name;
    private final HostPort advertised;
    private final SimulatedEngine engine;
    private volatile ClusterTls tls;
    private volatile SslContext serverTls;

    SimulatedNode(int index, int enginePort) {
        this.index = index;
        this.id = String.format("simnode%08d", index);
        this.name = String.format("sim%05d", index);
        this.advertised = new HostPort(ip(index), enginePort);
        this.engine = new SimulatedEngine(index, name);
    }

    /** 127.1.0.1, 127.1.0.2, … 127.1.0.250, 127.1.1.1, …: all of 127/8 is local on Linux. */
    static String ip(int index) {
        int block = index / 250;
        return "127." + (1 + block / 256) + "." + (block % 256) + "." + (1 + index % 250);
    }

    /** Gets the node's certificate from the manager, as {@code shoal join --token-file} does on first start. */
    void enroll(HostPort manager, JoinToken token) throws IOException {
        tls = Enrollment.enroll(manager, token, id, advertised);
        serverTls = SslContextBuilder.forServer(tls.key(), tls.cert(), tls.ca())
                .trustManager(tls.ca())
                .clientAuth(ClientAuth.REQUIRE)
                .protocols(ClusterTls.PROTOCOL)
                .build();
    }

    /** What a heartbeat carries besides the engine's facts (the agent's {@code --label}s). */
    Map<String, String> labels() {
        return Map.of("bench", "sim", "zone", String.valueOf((char) ('a' + index % 3)));
    }

    /** The TLS a client of the heartbeat port uses: the node's certificate, trusting only the cluster CA. */
    SslContext clientTls() throws SSLException {
        return SslContextBuilder.forClient()
                .keyManager(tls.key(), tls.cert(), tls.ca())
                .trustManager(tls.ca())
                .protocols(ClusterTls.PROTOCOL)
                .build();
    }

    SslContext serverTls() {
        return serverTls;
    }

    boolean enrolled() {
        return tls != null;
    }

    int index() {
        return index;
    }

    String id() {
        return id;
    }

    String name() {
        return name;
    }

    HostPort advertised() {
        return advertised;
    }

    SimulatedEngine engine() {
        return engine;
    }
}
