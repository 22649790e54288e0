package dev.shoal.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** The agent's mapper-less JSON reads and writes what Jackson's ObjectMapper does. */
class JsonTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(strings = {
        "{}", "[]", "\"text\"", "12", "null", "true",
        "{\"ID\":\"E:F\",\"NCPU\":2,\"MemTotal\":25769803776,\"Big\":123456789012345678901234567890,"
                + "\"Load\":0.75,\"Neg\":-3e-7,\"Labels\":[\"zone=a\",\"x=\\\"y\\\"\"],\"Swarm\":{\"NodeID\":\"\","
                + "\"LocalNodeState\":\"inactive\"},\"Debug\":false,\"Warnings\":null,\"Name\":\"n\\u00e9\\ud83d\\ude00\"}",
        "{\"a\":1,\"a\":2}", "[[[],{}],[1,[2,[3]]]]"
    })
    void readsAndWritesAsTheMapperDoes(String text) throws Exception {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        JsonNode tree = Json.read(bytes);
        assertThat(tree).isEqualTo(MAPPER.readTree(bytes));
        assertThat(new String(Json.write(tree), StandardCharsets.UTF_8))
                .isEqualTo(new String(MAPPER.writeValueAsBytes(MAPPER.readTree(bytes)), StandardCharsets.UTF_8));
    }

    @Test
    void noContentIsAMissingNode() throws Exception {
        assertThat(Json.read(new byte[0]).isMissingNode()).isTrue();
        assertThat(MAPPER.readTree(new byte[0]).isMissingNode()).isTrue();
    }

    @Test
    void randomTreesRoundTripAsTheMapperWritesThem() throws Exception {
        Random random = new Random(42);
        for (int i = 0; i < 200; i++) {
            JsonNode tree = randomTree(random, 0);
            byte[] mine = Json.write(tree);
            assertThat(mine).isEqualTo(MAPPER.writeValueAsBytes(tree));
            assertThat(Json.read(mine)).isEqualTo(tree);
        }
    }

    private static JsonNode randomTree(Random random, int depth) {
        var nodes = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance;
        int kind = depth > 3 ? 2 + random.nextInt(6) : random.nextInt(8);
        return switch (kind) {
            case 0 -> {
                var object = nodes.objectNode();
                for (int i = random.nextInt(5); i > 0; i--) {
                    object.set("k" + random.nextInt(1000) + "\u00e9\"", randomTree(random, depth + 1));
                }
                yield object;
            }
            case 1 -> {
                var array = nodes.arrayNode();
                for (int i = random.nextInt(5); i > 0; i--) {
                    array.add(randomTree(random, depth + 1));
                }
                yield array;
            }
            case 2 -> nodes.numberNode(random.nextInt());
            case 3 -> nodes.numberNode(random.nextLong());
            case 4 -> nodes.numberNode(random.nextDouble() * 1e6);
            case 5 -> nodes.textNode("s\n\t\\" + random.nextInt() + "\ud83d\ude00");
            case 6 -> nodes.booleanNode(random.nextBoolean());
            default -> nodes.nullNode();
        };
    }
}
