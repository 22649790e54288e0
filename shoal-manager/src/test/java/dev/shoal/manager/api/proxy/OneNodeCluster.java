package dev.shoal.manager.api.proxy;

import static org.awaitility.Awaitility.await;

import dev.shoal.manager.Manager;
import dev.shoal.manager.ManagerConfig;
import dev.shoal.node.Agent;
import dev.shoal.node.AgentConfig;
import dev.shoal.node.HostPort;
import dev.shoal.node.engine.EngineAddress;
import dev.shoal.node.tls.JoinToken;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A manager serving the Docker API on a unix socket and one agent joined to it over mutual TLS, relaying to an
 * engine stand-in on {@code 127.0.0.1:enginePort}: the whole chain a call takes, in this JVM.
 */
final class OneNodeCluster implements AutoCloseable {
    private final Path socket;
    private final Manager manager;
    private final Agent agent;

    OneNodeCluster(Path dir, int enginePort) throws Exception {
        socket = dir.resolve("docker.sock");
        ManagerConfig config = new ManagerConfig(List.of(socket), List.of(), null,
                new InetSocketAddress("127.0.0.1", freePort()), dir.resolve("manager"), freePort(), "spread", false);
        manager = Manager.start(config);
        try {
            JoinToken token = JoinToken.parse(Files.readString(dir.resolve("manager/ca/join-token")));
            agent = Agent.start(new AgentConfig(new HostPort("127.0.0.1", config.clusterListen().getPort()), "node1",
                    EngineAddress.parse("tcp://127.0.0.1:" + enginePort), new HostPort("127.0.0.1", 0), Map.of(),
                    dir.resolve("agent"), token, false));
        } catch (Exception e) {
            manager.close();
            throw e;
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> !manager.dispatcher().healthyNodes().isEmpty());
    }

    /** A new client connection to the manager's Docker API socket. */
    SocketChannel connect() throws IOException {
        SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX);
        client.connect(UnixDomainSocketAddress.of(socket));
        return client;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override public void close() throws Exception {
        try {
            agent.close();
        } finally {
            manager.close();
        }
    }
}
