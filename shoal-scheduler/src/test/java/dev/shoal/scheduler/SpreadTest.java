package dev.shoal.scheduler;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SpreadTest {
    @Test
    void picksTheHealthyNodeWithFewestContainers() {
        var a = new NodeSnapshot("a", "node1", true, 2);
        var b = new NodeSnapshot("b", "node2", false, 0);
        var c = new NodeSnapshot("c", "node3", true, 1);
        assertThat(Spread.pick(List.of(a, b, c))).contains(c);
    }

    @Test
    void breaksTiesByName() {
        var a = new NodeSnapshot("a", "node2", true, 1);
        var b = new NodeSnapshot("b", "node1", true, 1);
        assertThat(Spread.pick(List.of(a, b))).contains(b);
    }

    @Test
    void noHealthyNodeMeansNoPlacement() {
        assertThat(Spread.pick(List.of(new NodeSnapshot("a", "node1", false, 0)))).isEmpty();
    }
}
