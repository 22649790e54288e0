package dev.shoal.manager.api;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.manager.state.ClusterStore;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ListFiltersTest {
    private static ObjectNode parse(String json) {
        return ListFilters.parse(json).orElseThrow();
    }

    @Test
    void takesTheManagersFiltersOutOfEitherShapeAndLeavesTheRest() {
        ObjectNode f = parse("{\"id\":{\"abc\":true},\"name\":[\"web\"],\"driver\":[\"bridge\"]}");
        ListFilters mine = ListFilters.take(f, "id", "name", "label");
        assertThat(mine.get("id")).containsExactly("abc");
        assertThat(mine.get("name")).containsExactly("web");
        assertThat(mine.has("label")).isFalse();
        assertThat(f.toString()).isEqualTo("{\"driver\":[\"bridge\"]}");
        assertThat(ListFilters.parse("not json")).isEmpty();
        assertThat(ListFilters.parse(null).orElseThrow().isEmpty()).isTrue();
    }

    @Test
    void matchIsExactOrAnUnanchoredRegularExpressionAsAnEngines() {
        ListFilters f = ListFilters.take(parse("{\"name\":[\"web\"],\"id\":[\"3e90\"]}"), "name", "id");
        assertThat(f.match("name", "node1/web-1")).isTrue();
        assertThat(f.match("name", "db")).isFalse();
        assertThat(f.match("id", "3e90a7533fcb")).isTrue();
        assertThat(f.match("id", "a3e9")).isFalse();
        assertThat(f.match("label", "anything")).as("no values: no filter").isTrue();
        ListFilters broken = ListFilters.take(parse("{\"name\":[\"(\"]}"), "name");
        assertThat(broken.match("name", "(")).as("exact match of a value that is no regex").isTrue();
        assertThat(broken.match("name", "x")).isFalse();
    }

    @Test
    void everyLabelValueMustHold() {
        ListFilters f = ListFilters.take(parse("{\"label\":[\"a\",\"b=2\"]}"), "label");
        ObjectNode labels = ClusterStore.JSON.createObjectNode().put("a", "1").put("b", "2");
        assertThat(f.matchKeyValues("label", labels)).isTrue();
        labels.put("b", "3");
        assertThat(f.matchKeyValues("label", labels)).isFalse();
        assertThat(f.matchKeyValues("label", ClusterStore.JSON.createObjectNode())).isFalse();
        assertThat(f.matchKeyValues("label", null)).isFalse();
    }
}
