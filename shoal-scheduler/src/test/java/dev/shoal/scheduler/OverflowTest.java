package dev.shoal.scheduler;

import dev.shoal.scheduler.model.ContainerInfo;
import dev.shoal.scheduler.model.Health;
import dev.shoal.scheduler.model.NodeInfo;
import dev.shoal.scheduler.model.Request;
import dev.shoal.scheduler.strategy.SpreadStrategy;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Reservations near Long.MAX_VALUE never wrap around into free room. */
class OverflowTest {
    private static final long GIB = 1L << 30;

    @Test
    void reservationsThatSumPastLongMaxMakeANodeFullNotEmpty() {
        long half = Long.MAX_VALUE / 2 + 1;
        ContainerInfo a = new ContainerInfo("a", "a", "busybox", Map.of(), List.of(), half, 0);
        ContainerInfo b = new ContainerInfo("b", "b", "busybox", Map.of(), List.of(), half, 0);
        NodeInfo node = new NodeInfo("n1", "node1", Health.HEALTHY, Map.of(), Map.of(), 4_000_000_000L, 8 * GIB,
                0, 0, 2, Set.of(), List.of(a, b));
        ClusterSnapshot s = ClusterSnapshot.of(List.of(node));
        assertThat(s.reservedMemory(0)).isEqualTo(Long.MAX_VALUE);
        assertThat(s.fits(0, 1, 0)).isFalse();
        Placement p = new Scheduler(new SpreadStrategy()).place(s, Request.builder().memory(GIB).build());
        assertThat(p).isInstanceOf(Placement.Unschedulable.class);
    }

    @Test
    void aRequestOfLongMaxFitsNowhere() {
        ClusterSnapshot s = ClusterSnapshot.of(List.of(NodeInfo.of("n1", "node1", 4_000_000_000L, 8 * GIB, Map.of())));
        assertThat(s.fits(0, Long.MAX_VALUE, 0)).isFalse();
        assertThat(s.fits(0, 0, Long.MAX_VALUE)).isFalse();
        assertThatThrownBy(() -> s.reserve(0, Long.MAX_VALUE, 0)).isInstanceOf(IllegalStateException.class);
        assertThat(s.reservedMemory(0)).isZero();
    }

    @Test
    void cpuSharesReadAsCoresCannotOverflow() {
        assertThatThrownBy(() -> Request.nanoCpus(0, Long.MAX_VALUE / 1000, true))
                .hasMessageContaining("CpuShares");
        assertThat(Request.nanoCpus(0, 2, true)).isEqualTo(2_000_000_000L);
    }

    @Test
    void saturatedAddStopsAtTheEnds() {
        assertThat(ClusterSnapshot.saturatedAdd(Long.MAX_VALUE, 1)).isEqualTo(Long.MAX_VALUE);
        assertThat(ClusterSnapshot.saturatedAdd(Long.MAX_VALUE - 1, 1)).isEqualTo(Long.MAX_VALUE);
        assertThat(ClusterSnapshot.saturatedAdd(3, 4)).isEqualTo(7);
    }
}
