package dev.shoal.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The simulated node's engine answers the calls the manager makes as dockerd shapes them (no network, no timing). */
class SimulatedEngineTest {
    private final SimulatedEngine engine = new SimulatedEngine(3, "sim00003");

    @Test
    void createdContainersAreListedAndFilteredByNameAndLabel() throws IOException {
        assertThat(create("web", "g1").status()).isEqualTo(201);
        assertThat(create("db", "g2").status()).isEqualTo(201);
        assertThat(create("web", "g1").status()).isEqualTo(409);

        assertThat(list(null)).hasSize(2);
        assertThat(list("{\"name\":[\"web\"]}")).singleElement()
                .satisfies(c -> assertThat(c.path("Names").get(0).asText()).isEqualTo("/web"));
        assertThat(list("{\"label\":[\"bench.group=g2\"]}")).singleElement()
                .satisfies(c -> assertThat(c.path("Names").get(0).asText()).isEqualTo("/db"));
        assertThat(list("{\"label\":{\"bench.group\":true}}")).hasSize(2);
    }

    @Test
    void imagesInfoAndUnknownPathsAnswerAsDockerd() throws IOException {
        assertThat(engine.answer("GET", "/images/busybox/json", Map.of(), new byte[0]).status()).isEqualTo(200);
        assertThat(engine.answer("GET", "/images/nginx/json", Map.of(), new byte[0]).status()).isEqualTo(404);
        create("one", "g1");
        JsonNode info = json(engine.answer("GET", "/info", Map.of(), new byte[0]));
        assertThat(info.path("NCPU").asInt()).isEqualTo(EngineFacts.cpus(3));
        assertThat(info.path("Containers").asInt()).isEqualTo(1);
        assertThat(engine.answer("GET", "/swarm", Map.of(), new byte[0]).status()).isEqualTo(404);
    }

    @Test
    void eachNodeHasItsOwnLoopbackAddress() {
        assertThat(SimulatedNode.ip(0)).isEqualTo("127.1.0.1");
        assertThat(SimulatedNode.ip(249)).isEqualTo("127.1.0.250");
        assertThat(SimulatedNode.ip(250)).isEqualTo("127.1.1.1");
        assertThat(SimulatedNode.ip(4999)).isEqualTo("127.1.19.250");
    }

    private SimulatedEngine.Answer create(String name, String group) {
        byte[] body = ("{\"Image\":\"busybox\",\"Cmd\":[\"sleep\",\"1\"],\"Labels\":{\"bench.group\":\"" + group + "\"}}")
                .getBytes(StandardCharsets.UTF_8);
        return engine.answer("POST", "/containers/create", Map.of("name", List.of(name)), body);
    }

    private JsonNode list(String filters) throws IOException {
        Map<String, List<String>> query = filters == null ? Map.of("all", List.of("1"))
                : Map.of("all", List.of("1"), "filters", List.of(filters));
        return json(engine.answer("GET", "/containers/json", query, new byte[0]));
    }

    private static JsonNode json(SimulatedEngine.Answer a) throws IOException {
        return EngineFacts.JSON.readTree(a.body());
    }
}
