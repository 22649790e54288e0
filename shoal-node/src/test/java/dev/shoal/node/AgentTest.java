package dev.shoal.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shoal.node.engine.EngineAddress;
import dev.shoal.node.testing.FakeEngine;
import dev.shoal.node.testing.FakeManager;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A whole agent against a fake manager and a fake engine on TCP ports; no Docker needed. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class AgentTest {
    private static final Duration WAIT = Duration.ofSeconds(10);

    @TempDir Path dataDir;
    private final FakeManager manager = new FakeManager();
    private final FakeEngine engine = new FakeEngine();

    @AfterEach void tearDown() {
        manager.close();
        engine.close();
    }

    private AgentConfig config(EngineAddress engineAddress) {
        return new AgentConfig(manager.address(), "node1", engineAddress, new HostPort("127.0.0.1", 0),
                Map.of("zone", "a"), dataDir, null, true);
    }

    @Test void registersWithHeartbeatsCarryingShoalIdentityAndRawEngineJson() throws Exception {
        try (Agent agent = Agent.start(config(engine.address()))) {
            JsonNode hb = manager.nextHeartbeat(WAIT);

            String storedId = Files.readString(dataDir.resolve(NodeId.FILE_NAME)).strip();
            assertThat(hb.get("nodeId").asText()).isEqualTo(storedId).isEqualTo(agent.node().nodeId());
            assertThat(hb.get("name").asText()).isEqualTo("node1");
            assertThat(hb.get("address").asText()).isEqualTo("127.0.0.1:" + agent.advertised().port());
            assertThat(hb.get("labels").get("zone").asText()).isEqualTo("a");
            assertThat(hb.get("engineInfo").get("ID").asText()).isEqualTo("CLONED-ENGINE-ID");
            assertThat(hb.get("engineVersion").get("ApiVersion").asText()).isEqualTo("1.48");
            assertThat(hb.has("engineError")).isFalse();

            // the reply asked for 100 ms: more beats follow quickly
            assertThat(manager.nextHeartbeat(WAIT).get("nodeId").asText()).isEqualTo(storedId);
            assertThat(manager.nextHeartbeat(WAIT).get("nodeId").asText()).isEqualTo(storedId);
        }
    }

    @Test void keepsItsIdentityAcrossRestarts() throws Exception {
        String first;
        try (Agent agent = Agent.start(config(engine.address()))) {
            first = manager.nextHeartbeat(WAIT).get("nodeId").asText();
        }
        try (Agent agent = Agent.start(config(engine.address()))) {
            assertThat(agent.node().nodeId()).isEqualTo(first);
        }
    }

    @Test void heartbeatsWithAnEngineErrorWhenTheEngineIsDown() throws Exception {
        int deadPort;
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        try (Agent agent = Agent.start(config(EngineAddress.parse("tcp://127.0.0.1:" + deadPort)))) {
            JsonNode hb = manager.nextHeartbeat(WAIT);
            assertThat(hb.has("engineInfo")).isFalse();
            assertThat(hb.has("engineVersion")).isFalse();
            assertThat(hb.get("engineError").asText()).contains("tcp://127.0.0.1:" + deadPort);
            assertThat(hb.get("nodeId").asText()).isEqualTo(agent.node().nodeId());
        }
    }

    @Test void relaysTheManagersApiCallsToTheEngine() throws Exception {
        try (Agent agent = Agent.start(config(engine.address()))) {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            HttpResponse<String> response = http.send(
                    HttpRequest.newBuilder(URI.create("http://" + agent.advertised() + "/info")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.body()).isEqualTo(FakeEngine.INFO);
        }
    }
}
