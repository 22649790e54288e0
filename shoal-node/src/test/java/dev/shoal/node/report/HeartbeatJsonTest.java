package dev.shoal.node.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HeartbeatJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test void healthyEngineShape() throws Exception {
        JsonNode info = JSON.readTree("{\"ID\":\"E\",\"Name\":\"h\",\"NCPU\":4}");
        JsonNode version = JSON.readTree("{\"Version\":\"28.0.0\",\"ApiVersion\":\"1.48\"}");
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("zone", "a");
        labels.put("disk", "ssd");
        Heartbeat hb = new Heartbeat("abcdefghijklmnopqrstuvwxy", "node1", "10.213.0.11:4243", labels,
                info, version, null);

        JsonNode json = JSON.readTree(JSON.writeValueAsString(hb));

        assertThat(fieldNames(json)).containsExactly("nodeId", "name", "address", "labels", "engineInfo",
                "engineVersion");
        assertThat(json.get("nodeId").asText()).isEqualTo("abcdefghijklmnopqrstuvwxy");
        assertThat(json.get("name").asText()).isEqualTo("node1");
        assertThat(json.get("address").asText()).isEqualTo("10.213.0.11:4243");
        assertThat(fieldNames(json.get("labels"))).containsExactly("zone", "disk");
        assertThat(json.get("labels").get("disk").asText()).isEqualTo("ssd");
        assertThat(json.get("engineInfo")).isEqualTo(info);
        assertThat(json.get("engineVersion")).isEqualTo(version);
    }

    @Test void unreachableEngineShape() throws Exception {
        Heartbeat hb = new Heartbeat("abcdefghijklmnopqrstuvwxy", "node1", "10.213.0.11:4243", Map.of(),
                null, null, "cannot reach engine unix:///var/run/docker.sock: No such file or directory");

        JsonNode json = JSON.readTree(JSON.writeValueAsString(hb));

        assertThat(fieldNames(json)).containsExactly("nodeId", "name", "address", "labels", "engineError");
        assertThat(json.get("labels").isObject()).isTrue();
        assertThat(json.get("engineError").asText()).contains("No such file");
    }

    @Test void roundTripsAndReadsReplies() throws Exception {
        Heartbeat hb = new Heartbeat("id", "n", "h:1", Map.of("k", "v"), JSON.readTree("{\"a\":1}"), null, null);
        assertThat(JSON.readValue(JSON.writeValueAsString(hb), Heartbeat.class)).isEqualTo(hb);
        assertThat(JSON.readValue("{\"nodeId\":\"x\",\"heartbeatMillis\":2000,\"extra\":true}", HeartbeatReply.class))
                .isEqualTo(new HeartbeatReply("x", 2000));
    }

    private static List<String> fieldNames(JsonNode node) {
        return iterableToList(node.fieldNames());
    }

    private static List<String> iterableToList(java.util.Iterator<String> it) {
        List<String> names = new java.util.ArrayList<>();
        it.forEachRemaining(names::add);
        return names;
    }
}
