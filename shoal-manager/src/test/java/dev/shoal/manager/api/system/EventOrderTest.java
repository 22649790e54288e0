package dev.shoal.manager.api.system;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EventOrderTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static EventOrder.Event ev(long nanos, String label) {
        return new EventOrder.Event(nanos, label.getBytes(StandardCharsets.UTF_8));
    }

    private static List<String> labels(List<EventOrder.Event> events) {
        return events.stream().map(e -> new String(e.line(), StandardCharsets.UTF_8)).toList();
    }

    @Test
    void interleavesNodesByTime() {
        var node1 = List.of(ev(10, "a1"), ev(30, "a2"), ev(50, "a3"));
        var node2 = List.of(ev(20, "b1"), ev(40, "b2"));
        var node3 = List.of(ev(5, "c1"), ev(60, "c2"));
        assertThat(labels(EventOrder.merge(List.of(node1, node2, node3))))
                .containsExactly("c1", "a1", "b1", "a2", "b2", "a3", "c2");
    }

    @Test
    void equalTimesKeepEachNodesOrderAndTheNodesOrder() {
        var node1 = List.of(ev(10, "a1"), ev(10, "a2"));
        var node2 = List.of(ev(10, "b1"), ev(5, "b0"));
        assertThat(labels(EventOrder.merge(List.of(node1, node2)))).containsExactly("b0", "a1", "a2", "b1");
    }

    @Test
    void emptyAndMissingNodes() {
        assertThat(EventOrder.merge(List.of())).isEmpty();
        assertThat(labels(EventOrder.merge(List.of(List.of(), List.of(ev(1, "x")), List.of()))))
                .containsExactly("x");
    }

    @Test
    void ordersByTimeNanoElseTime() throws Exception {
        assertThat(EventOrder.nanosOf(JSON.readTree("{\"time\":1700000000,\"timeNano\":1700000000123456789}")))
                .isEqualTo(1_700_000_000_123_456_789L);
        assertThat(EventOrder.nanosOf(JSON.readTree("{\"time\":1700000001}"))).isEqualTo(1_700_000_001_000_000_000L);
        assertThat(EventOrder.nanosOf(JSON.readTree("{}"))).isZero();
    }

    @Test
    void readsAndWritesEngineTimestamps() {
        assertThat(EventOrder.parseTimestamp(null)).isEmpty();
        assertThat(EventOrder.parseTimestamp(" ")).isEmpty();
        assertThat(EventOrder.parseTimestamp("1700000000").getAsLong()).isEqualTo(1_700_000_000_000_000_000L);
        assertThat(EventOrder.parseTimestamp("1700000000.5").getAsLong()).isEqualTo(1_700_000_000_500_000_000L);
        assertThat(EventOrder.parseTimestamp("1700000000.000000042").getAsLong())
                .isEqualTo(1_700_000_000_000_000_042L);
        assertThat(EventOrder.formatTimestamp(1_700_000_000_000_000_042L)).isEqualTo("1700000000.000000042");
        assertThat(EventOrder.parseTimestamp(EventOrder.formatTimestamp(123_456_789_012L)).getAsLong())
                .isEqualTo(123_456_789_012L);
        assertThatThrownBy(() -> EventOrder.parseTimestamp("2024-01-01T00:00:00Z"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> EventOrder.parseTimestamp("12.3456789012")).isInstanceOf(IllegalArgumentException.class);
    }
}
