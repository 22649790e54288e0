package dev.shoal.manager.dispatcher;

import dev.shoal.manager.testing.EngineClients;
import dev.shoal.manager.testing.InfoOnlyEngine;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.shoal.manager.ca.ClusterSecurity;
import dev.shoal.manager.engine.EngineClient;
import dev.shoal.manager.state.ClusterStore;
import dev.shoal.node.Agent;
import dev.shoal.node.AgentConfig;
import dev.shoal.node.HostPort;
import dev.shoal.node.HttpReportSink;
import dev.shoal.node.engine.EngineAddress;
import dev.shoal.node.report.Heartbeat;
import dev.shoal.node.report.ManagerRejectedException;
import dev.shoal.node.tls.CertificateRenewal;
import dev.shoal.node.tls.ClusterTls;
import dev.shoal.node.tls.Enrollment;
import dev.shoal.node.tls.JoinToken;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificates over their life: renewed before expiry (nodes' and the manager's, with a short validity), the
 * manager told from a node by its certificate, and a removed node's certificate refused.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class CertificateLifecycleTest {
    private static final Duration SHORT = Duration.ofSeconds(6);

    @TempDir Path dir;
    private ClusterStore store;
    private ClusterSecurity security;
    private Dispatcher dispatcher;
    private HttpServer engine;
    private HttpsServer impostor;

    private void startManager(Duration validity) throws Exception {
        store = ClusterStore.open(dir.resolve("raft"), "127.0.0.1", InfoOnlyEngine.freePort());
        InetSocketAddress listen = new InetSocketAddress("127.0.0.1", 0);
        security = ClusterSecurity.loadOrCreate(dir.resolve("manager"), listen, validity);
        dispatcher = new Dispatcher(store, security);
        dispatcher.listen(listen);
        security.onManagerRenewed(dispatcher::useTls);
        engine = InfoOnlyEngine.start();
    }

    @AfterEach
    void stop() throws IOException {
        if (impostor != null) {
            impostor.stop(0);
        }
        if (security != null) {
            security.close();
        }
        if (engine != null) {
            engine.stop(0);
        }
        if (dispatcher != null) {
            dispatcher.close();
        }
        if (store != null) {
            store.close();
        }
    }

    @Test
    void nodeAndManagerCertificatesRenewBeforeExpiryAndTheClusterGoesOnPastTheFirstOnes() throws Exception {
        startManager(SHORT);
        X509Certificate firstManager = security.manager().cert();
        assertThat(Duration.between(firstManager.getNotBefore().toInstant(), firstManager.getNotAfter().toInstant()))
                .isLessThan(Duration.ofSeconds(10));
        security.startRenewing();
        Path agentData = dir.resolve("agent");
        try (Agent agent = Agent.start(config(agentData, token()))) {
            String id = agent.node().nodeId();
            awaitHealthy(id);
            ClusterTls first = agent.certificate();
            Instant firstExpiry = first.cert().getNotAfter().toInstant();
            assertThat(Duration.between(Instant.now(), firstExpiry)).isLessThan(Duration.ofSeconds(10));

            // renewed before the first certificate expires, for the same node ID and SANs, and stored
            await().atMost(Duration.ofSeconds(10)).until(() -> !agent.certificate().serial().equals(first.serial()));
            ClusterTls renewed = agent.certificate();
            assertThat(Instant.now()).isBefore(firstExpiry);
            assertThat(renewed.cert().getNotAfter()).isAfter(first.cert().getNotAfter());
            assertThat(ClusterTls.commonName(renewed.cert())).isEqualTo(id);
            assertThat(List.copyOf(renewed.cert().getSubjectAlternativeNames()))
                    .isEqualTo(List.copyOf(first.cert().getSubjectAlternativeNames()));
            assertThat(renewed.key()).isNotEqualTo(first.key());
            assertThat(ClusterTls.load(agentData.resolve("tls")).cert().getNotAfter())
                    .isAfterOrEqualTo(renewed.cert().getNotAfter());
            // the manager's own certificate renews too
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    !security.manager().cert().getSerialNumber().equals(firstManager.getSerialNumber()));
            assertThat(Instant.now()).isBefore(firstManager.getNotAfter().toInstant());

            // past both first certificates' expiry: heartbeats are still taken, the cluster port presents the
            // manager's current certificate to a new connection, and the manager reaches the node's engine
            Instant pastBoth = max(firstExpiry, firstManager.getNotAfter().toInstant()).plusSeconds(1);
            await().atMost(Duration.ofSeconds(20)).until(() -> Instant.now().isAfter(pastBoth)
                    && dispatcher.node(id).map(n -> n.healthy() && n.updatedAt().isAfter(pastBoth)).orElse(false));
            X509Certificate presented = presentedBy(dispatcher.port(), agent.certificate());
            assertThat(presented.getSerialNumber()).isNotEqualTo(firstManager.getSerialNumber());
            presented.checkValidity();
            EngineClient.Reply info = EngineClients.over(security.manager())
                    .get(agent.advertised().toString(), "/info");
            assertThat(info.status()).isEqualTo(200);
        }
    }

    @Test
    void aNodeStartedPastTheRenewalPointRenewsAtOnce() throws Exception {
        startManager(SHORT);
        Path agentData = dir.resolve("agent");
        String serial;
        try (Agent agent = Agent.start(config(agentData, token()))) {
            awaitHealthy(agent.node().nodeId());
            serial = agent.certificate().serial();
        }
        ClusterTls kept = ClusterTls.load(agentData.resolve("tls"));
        await().atMost(Duration.ofSeconds(10)).until(() -> Instant.now().isAfter(kept.renewAt()));
        try (Agent again = Agent.start(config(agentData, null))) {
            await().atMost(Duration.ofSeconds(5)).until(() -> !again.certificate().serial().equals(kept.serial()));
            assertThat(again.certificate().serial()).isNotEqualTo(serial);
            awaitHealthy(again.node().nodeId());
        }
    }

    @Test
    void aNodeCertificatePresentedAsTheManagerIsRefused() throws Exception {
        startManager(Duration.ofDays(1));
        ClusterTls node = Enrollment.enroll(new HostPort("127.0.0.1", dispatcher.port()), token(),
                "node00000001", new HostPort("127.0.0.1", 1));
        ClusterTls otherNode = security.ca().issue("node00000002", List.of("127.0.0.1"));
        impostor = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        impostor.setHttpsConfigurator(new HttpsConfigurator(otherNode.sslContext()));
        impostor.createContext("/", ex -> {
            byte[] ok = "{\"nodeId\":\"node00000001\",\"heartbeatMillis\":2000}".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, ok.length);
            ex.getResponseBody().write(ok);
            ex.close();
        });
        impostor.start();
        HostPort fake = new HostPort("127.0.0.1", impostor.getAddress().getPort());
        Heartbeat hb = new Heartbeat("node00000001", "n1", "127.0.0.1:1", Map.of(), null, null, "no engine");

        // the context a node heartbeats and renews with refuses another node's certificate...
        assertThatThrownBy(() -> new HttpReportSink(fake, node.managerContext()).send(hb))
                .isInstanceOf(IOException.class).hasMessageContaining("not the manager");
        assertThatThrownBy(() -> CertificateRenewal.renew(fake, node))
                .isInstanceOf(IOException.class).hasMessageContaining("not the manager");
        // ... where trusting the CA alone (today's heartbeat context) took it for the manager
        assertThat(new HttpReportSink(fake, node.sslContext()).send(hb).heartbeatMillis()).isEqualTo(2000);
        // and the real manager passes
        assertThat(new HttpReportSink(new HostPort("127.0.0.1", dispatcher.port()), node.managerContext()).send(hb))
                .isNotNull();
        // a node's certificate dialling another node's engine proxy as the manager is refused too
        try (Agent agent = Agent.start(config(dir.resolve("agent"), token()))) {
            awaitHealthy(agent.node().nodeId());
            assertThatThrownBy(() -> EngineClients.over(otherNode).get(agent.advertised().toString(), "/info"))
                    .isInstanceOf(dev.shoal.manager.errors.DockerException.class);
        }
    }

    @Test
    void aRemovedNodesHeartbeatsRenewalsAndEnrolmentAreRefused() throws Exception {
        startManager(Duration.ofDays(1));
        Path agentData = dir.resolve("agent");
        try (Agent agent = Agent.start(config(agentData, token()))) {
            String id = agent.node().nodeId();
            awaitHealthy(id);
            ClusterTls before = agent.certificate();
            ClusterTls renewed = agent.renewCertificateNow();
            HostPort manager = new HostPort("127.0.0.1", dispatcher.port());
            Heartbeat hb = new Heartbeat(id, "node1", agent.advertised().toString(), Map.of(), null, null, "x");

            assertThat(dispatcher.removeNode("nosuchnode00")).isInstanceOf(Dispatcher.Removal.NotFound.class);
            var removal = dispatcher.removeNode(id);
            assertThat(removal).isInstanceOf(Dispatcher.Removal.Removed.class);
            assertThat(((Dispatcher.Removal.Removed) removal).revokedSerials())
                    .contains(before.serial(), renewed.serial());
            assertThat(dispatcher.node(id)).isEmpty();
            assertThat(dispatcher.nodeByName("node1")).isEmpty();

            for (ClusterTls tls : List.of(before, renewed)) {
                assertThatThrownBy(() -> new HttpReportSink(manager, tls.managerContext()).send(hb))
                        .isInstanceOfSatisfying(ManagerRejectedException.class, e -> {
                            assertThat(e.status()).isEqualTo(403);
                            assertThat(e.getMessage()).contains("revoked");
                        });
                assertThatThrownBy(() -> CertificateRenewal.renew(manager, tls))
                        .isInstanceOfSatisfying(CertificateRenewal.RenewalRefusedException.class,
                                e -> assertThat(e.status()).isEqualTo(403));
            }
            assertThatThrownBy(() -> Enrollment.enroll(manager, token(), id, new HostPort("127.0.0.1", 1)))
                    .hasMessageContaining("409");
            // a heartbeat without a certificate check (the insecure path) is refused for the removed ID as well, so
            // the agent, which keeps beating, is never taken back
            var json = ClusterStore.JSON.createObjectNode().put("nodeId", id).put("name", "node1")
                    .put("address", agent.advertised().toString());
            assertThat(dispatcher.heartbeat(json)).startsWith("403");
        }
    }

    private static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }

    /** The certificate the server at {@code port} presents to a new connection. */
    private static X509Certificate presentedBy(int port, ClusterTls client) throws IOException {
        try (SSLSocket socket = (SSLSocket) client.managerContext().getSocketFactory().createSocket("127.0.0.1", port)) {
            socket.startHandshake();
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }

    private JoinToken token() throws IOException {
        return JoinToken.parse(Files.readString(security.tokenFile()));
    }

    private AgentConfig config(Path agentData, JoinToken token) {
        return new AgentConfig(new HostPort("127.0.0.1", dispatcher.port()), "node1",
                EngineAddress.parse("tcp://127.0.0.1:" + engine.getAddress().getPort()),
                new HostPort("127.0.0.1", 0), Map.of(), agentData, token, false);
    }

    private void awaitHealthy(String nodeId) {
        await().atMost(Duration.ofSeconds(20)).until(() ->
                dispatcher.node(nodeId).map(NodeStatus::healthy).orElse(false));
    }
}
