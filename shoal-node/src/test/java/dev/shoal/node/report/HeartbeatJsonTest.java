package dev.shoal.node.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The agent builds and reads heartbeats as trees; the manager binds them: both must mean the same JSON. */
class HeartbeatJsonTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test void theTreeIsWhatBindingWrites() throws Exception {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("zone", "a");
        labels.put("rack", "r\"1");
        Heartbeat full = new Heartbeat("abcdefghijklmnopqrstuvwxy", "node1", "10.0.0.1:4243", labels,
                JSON.readTree("{\"ID\":\"E\",\"NCPU\":2,\"Labels\":[\"x=y\"]}"), JSON.readTree("{\"Version\":\"28\"}"), null);
        Heartbeat broken = new Heartbeat("abcdefghijklmnopqrstuvwxy", "node1", "10.0.0.1:4243", null, null, null,
                "cannot reach engine unix:///x");
        for (Heartbeat hb : new Heartbeat[] {full, broken}) {
            assertThat(JSON.writeValueAsString(hb.toJson())).isEqualTo(JSON.writeValueAsString(hb));
            assertThat(JSON.readValue(JSON.writeValueAsBytes(hb.toJson()), Heartbeat.class)).isEqualTo(hb);
        }
    }

    @Test void theReplyReadsAsBindingWould() throws Exception {
        for (String body : new String[] {"{\"nodeId\":\"n\",\"heartbeatMillis\":500,\"more\":1}", "{}",
                "{\"heartbeatMillis\":2000}"}) {
            assertThat(HeartbeatReply.fromJson(JSON.readTree(body))).isEqualTo(JSON.readValue(body, HeartbeatReply.class));
        }
    }
}
