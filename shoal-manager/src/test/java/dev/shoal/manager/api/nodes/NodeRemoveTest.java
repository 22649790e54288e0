package dev.shoal.manager.api.nodes;

import dev.shoal.manager.testing.InfoOnlyEngine;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.shoal.manager.Manager;
import dev.shoal.manager.ManagerConfig;
import dev.shoal.manager.state.ClusterStore;
import dev.shoal.manager.state.ContainerRecord;
import dev.shoal.manager.state.Txn;
import dev.shoal.node.Agent;
import dev.shoal.node.AgentConfig;
import dev.shoal.node.HostPort;
import dev.shoal.node.HttpReportSink;
import dev.shoal.node.engine.EngineAddress;
import dev.shoal.node.report.Heartbeat;
import dev.shoal.node.report.ManagerRejectedException;
import dev.shoal.node.tls.CertificateRenewal;
import dev.shoal.node.tls.ClusterTls;
import dev.shoal.node.tls.JoinToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code docker node rm} through the Docker API: 404 unknown, 409 with containers unless force, then revoked. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NodeRemoveTest {
    @TempDir Path dir;

    @Test
    void nodeRmRefusesUnknownAndBusyNodesThenRemovesAndRevokes() throws Exception {
        HttpServer engine = InfoOnlyEngine.start();
        Path socket = dir.resolve("docker.sock");
        ManagerConfig config = new ManagerConfig(List.of(socket), List.of(), null,
                new InetSocketAddress("127.0.0.1", InfoOnlyEngine.freePort()), dir.resolve("manager"), InfoOnlyEngine.freePort(), "spread", false);
        try (Manager manager = Manager.start(config)) {
            JoinToken token = JoinToken.parse(Files.readString(dir.resolve("manager/ca/join-token")));
            HostPort cluster = new HostPort("127.0.0.1", config.clusterListen().getPort());
            try (Agent agent = Agent.start(new AgentConfig(cluster, "node1",
                    EngineAddress.parse("tcp://127.0.0.1:" + engine.getAddress().getPort()),
                    new HostPort("127.0.0.1", 0), Map.of(), dir.resolve("agent"), token, false))) {
                String id = agent.node().nodeId();
                await().atMost(Duration.ofSeconds(20)).until(() -> !manager.dispatcher().healthyNodes().isEmpty());

                Reply unknown = call(socket, "DELETE", "/v1.41/nodes/nosuchnode");
                assertThat(unknown.status()).isEqualTo(404);
                assertThat(unknown.json().path("message").asText()).isEqualTo("node nosuchnode not found");
                // the other /nodes paths still answer as before
                assertThat(call(socket, "GET", "/v1.41/nodes").status()).isEqualTo(503);

                ClusterStore store = manager.store();
                ContainerRecord record = new ContainerRecord("s1", "web", id, "e".repeat(64), "busybox", 0, 0,
                        System.currentTimeMillis(), Map.of(), List.of(), null, false, null, null);
                assertThat(store.commit(Txn.builder().put(record.key(), ClusterStore.toJson(record)).build())).isEmpty();
                Reply busy = call(socket, "DELETE", "/v1.41/nodes/node1?force=false");
                assertThat(busy.status()).isEqualTo(409);
                assertThat(busy.json().path("message").asText()).contains("1 container").contains("--force");
                assertThat(manager.dispatcher().node(id)).isPresent();

                ClusterTls cert = agent.certificate();
                Reply forced = call(socket, "DELETE", "/v1.41/nodes/node1?force=true");
                assertThat(forced.status()).isEqualTo(200);
                assertThat(manager.dispatcher().node(id)).isEmpty();
                assertThat(call(socket, "DELETE", "/v1.41/nodes/" + id).status()).isEqualTo(404);

                Heartbeat hb = new Heartbeat(id, "node1", agent.advertised().toString(), Map.of(), null, null, "x");
                assertThatThrownBy(() -> new HttpReportSink(cluster, cert.managerContext()).send(hb))
                        .isInstanceOfSatisfying(ManagerRejectedException.class, e -> assertThat(e.status()).isEqualTo(403));
                assertThatThrownBy(() -> CertificateRenewal.renew(cluster, cert))
                        .isInstanceOfSatisfying(CertificateRenewal.RenewalRefusedException.class,
                                e -> assertThat(e.status()).isEqualTo(403));
                assertThat(manager.dispatcher().nodes()).isEmpty();
            }
        } finally {
            engine.stop(0);
        }
    }

    record Reply(int status, String body) {
        JsonNode json() throws IOException {
            return ClusterStore.JSON.readTree(body);
        }
    }

    private static Reply call(Path socket, String method, String path) throws IOException {
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(socket));
            ch.write(ByteBuffer.wrap((method + " " + path + " HTTP/1.1\r\nHost: shoal\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII)));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(8192);
            while (ch.read(buf) >= 0) {
                out.write(buf.array(), 0, buf.position());
                buf.clear();
            }
            String text = out.toString(StandardCharsets.UTF_8);
            int status = Integer.parseInt(text.substring(9, 12));
            int bodyAt = text.indexOf("\r\n\r\n");
            String body = bodyAt < 0 ? "" : text.substring(bodyAt + 4);
            if (text.toLowerCase().contains("transfer-encoding: chunked") && !body.isEmpty()) {
                body = body.substring(body.indexOf("\r\n") + 2);
                body = body.substring(0, Math.max(0, body.lastIndexOf("}") + 1));
            }
            return new Reply(status, body);
        }
    }
}
