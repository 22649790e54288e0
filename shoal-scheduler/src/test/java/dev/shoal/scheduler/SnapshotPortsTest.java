package dev.shoal.scheduler;

import dev.shoal.scheduler.model.ContainerInfo;
import dev.shoal.scheduler.model.Health;
import dev.shoal.scheduler.model.NodeInfo;
import dev.shoal.scheduler.model.PortBinding;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** A host port stays bound on a node while anything there still holds it. */
class SnapshotPortsTest {
    private static ContainerInfo bound(String id, int port) {
        return new ContainerInfo(id, id, "busybox", Map.of(), List.of(new PortBinding(port, "tcp")), 0, 0);
    }

    @Test
    void removingOneOfTwoContainersThatBindAPortKeepsItBound() {
        // records can hold two such containers (a snapshot is built from what was committed, not re-checked)
        ClusterSnapshot s = ClusterSnapshot.of(List.of(new NodeInfo("n1", "n1", Health.HEALTHY, Map.of(), Map.of(),
                1_000_000_000L, 1L << 30, 0, 0, 0, Set.of("443/tcp"), List.of(bound("a", 80), bound("b", 80)),
                List.of())));
        assertThat(s.removeContainer("a")).isTrue();
        assertThat(s.portBound(0, "80/tcp")).isTrue();
        assertThat(s.removeContainer("b")).isTrue();
        assertThat(s.portBound(0, "80/tcp")).isFalse();
        // a port the node reported bound by other work stays bound whatever is removed
        s.addContainer(0, bound("c", 8443));
        s.removeContainer("c");
        assertThat(s.portBound(0, "443/tcp")).isTrue();
    }
}
