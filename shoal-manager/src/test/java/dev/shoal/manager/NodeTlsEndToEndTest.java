package dev.shoal.manager;

import dev.shoal.manager.testing.EngineClients;
import dev.shoal.manager.testing.InfoOnlyEngine;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import dev.shoal.manager.errors.DockerException;
import dev.shoal.manager.ca.ClusterSecurity;
import dev.shoal.manager.dispatcher.Dispatcher;
import dev.shoal.manager.engine.EngineClient;
import dev.shoal.manager.state.ClusterStore;
import dev.shoal.node.Agent;
import dev.shoal.node.AgentConfig;
import dev.shoal.node.HostPort;
import dev.shoal.node.engine.EngineAddress;
import dev.shoal.node.tls.ClusterTls;
import dev.shoal.node.tls.JoinToken;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A secure agent joins an in-process dispatcher with the token file, and the manager reaches its engine over TLS. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NodeTlsEndToEndTest {
    @TempDir Path dir;
    private ClusterStore store;
    private ClusterSecurity security;
    private Dispatcher dispatcher;
    private HttpServer engine;

    @BeforeEach
    void start() throws Exception {
        store = ClusterStore.open(dir.resolve("raft"), "127.0.0.1", InfoOnlyEngine.freePort());
        InetSocketAddress listen = new InetSocketAddress("127.0.0.1", 0);
        security = ClusterSecurity.loadOrCreate(dir.resolve("manager"), listen);
        dispatcher = new Dispatcher(store, security);
        dispatcher.listen(listen);
        engine = InfoOnlyEngine.start();
    }

    @AfterEach
    void stop() throws IOException {
        engine.stop(0);
        dispatcher.close();
        store.close();
    }

    @Test
    void anAgentJoinsWithTheTokenFileAndServesItsEngineOnlyToTheManager() throws Exception {
        JoinToken token = JoinToken.parse(Files.readString(security.tokenFile()));
        Path agentData = dir.resolve("agent");
        String address;
        try (Agent agent = Agent.start(config(agentData, token))) {
            awaitHealthy(agent.node().nodeId());
            Path tls = agentData.resolve("tls");
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(tls.resolve("key.pem"))))
                    .isEqualTo("rw-------");
            address = agent.advertised().toString();

            EngineClient.Reply info = EngineClients.over(security.manager()).get(address, "/info");
            assertThat(info.status()).isEqualTo(200);
            assertThat(info.json().path("ID").asText()).isEqualTo("ENGINE-1");

            ClusterTls notTheManager = security.ca().issue("somenode00000000", List.of("127.0.0.1"));
            assertThatThrownBy(() -> EngineClients.over(notTheManager).get(address, "/info"))
                    .isInstanceOf(DockerException.class);
            assertThatThrownBy(() -> EngineClients.plain().get(address, "/info"))
                    .isInstanceOf(DockerException.class);
        }
        try (Agent again = Agent.start(config(agentData, null))) {
            awaitHealthy(again.node().nodeId());
        }
    }

    private AgentConfig config(Path agentData, JoinToken token) {
        return new AgentConfig(new HostPort("127.0.0.1", dispatcher.port()), "node1",
                EngineAddress.parse("tcp://127.0.0.1:" + engine.getAddress().getPort()),
                new HostPort("127.0.0.1", 0), Map.of(), agentData, token, false);
    }

    private void awaitHealthy(String nodeId) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            if (dispatcher.node(nodeId).map(n -> n.health() == dev.shoal.manager.dispatcher.NodeStatus.Health.HEALTHY)
                    .orElse(false)) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("node " + nodeId + " did not become healthy: " + dispatcher.node(nodeId));
    }
}
