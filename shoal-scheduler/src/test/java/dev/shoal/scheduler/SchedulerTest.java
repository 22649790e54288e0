package dev.shoal.scheduler;

import dev.shoal.scheduler.model.ContainerInfo;
import dev.shoal.scheduler.model.Health;
import dev.shoal.scheduler.model.NodeInfo;
import dev.shoal.scheduler.model.NodeSet;
import dev.shoal.scheduler.model.PortBinding;
import dev.shoal.scheduler.model.Request;
import dev.shoal.scheduler.strategy.BinpackStrategy;
import dev.shoal.scheduler.strategy.RandomStrategy;
import dev.shoal.scheduler.strategy.SpreadStrategy;
import dev.shoal.scheduler.strategy.Strategy;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SchedulerTest {
    static final long GB = 1L << 30;
    static final long CORE = 1_000_000_000L;

    static NodeInfo node(String name, int cores, long mem, Map<String, String> labels) {
        return new NodeInfo("id-" + name, name, Health.HEALTHY, labels, Map.of("storagedriver", "overlay2",
                "operatingsystem", "linux"), cores * CORE, mem, 0, 0, 0, Set.of(), List.of());
    }

    static ClusterSnapshot cluster(NodeInfo... nodes) {
        return ClusterSnapshot.of(List.of(nodes));
    }

    static String place(Strategy st, ClusterSnapshot s, Request r) {
        return switch (new Scheduler(st).place(s, r)) {
            case Placement.Placed p -> s.name(p.node());
            case Placement.Unschedulable u -> "unschedulable: " + u.message();
        };
    }

    static String spread(ClusterSnapshot s, Request r) {
        return place(new SpreadStrategy(), s, r);
    }

    @Test
    void constraintsOnNodeNameEngineAndNodeLabels() {
        var s = cluster(node("node1", 4, 8 * GB, Map.of("zone", "eu-1")),
                node("node2", 4, 8 * GB, Map.of("zone", "us-1")),
                new NodeInfo("id-node3", "node3", Health.HEALTHY, Map.of("zone", "eu-2"),
                        Map.of("storagedriver", "btrfs"), 4 * CORE, 8 * GB, 0, 0, 0, Set.of(), List.of()));
        assertThat(spread(s, Request.builder().constraint("node==node2").build())).isEqualTo("node2");
        assertThat(spread(s, Request.builder().constraint("node==id-node3").build())).isEqualTo("node3");
        assertThat(spread(s, Request.builder().constraint("storagedriver==btrfs").build())).isEqualTo("node3");
        assertThat(spread(s, Request.builder().constraint("engine.labels.storagedriver==btrfs").build()))
                .isEqualTo("node3");
        assertThat(spread(s, Request.builder().constraint("zone==us-*").build())).isEqualTo("node2");
        assertThat(spread(s, Request.builder().constraint("zone==/^eu-2$/").build())).isEqualTo("node3");
        assertThat(spread(s, Request.builder().constraint("zone!=/^eu/").build())).isEqualTo("node2");
        assertThat(spread(s, Request.builder().constraint("node!=node1").constraint("zone==eu*").build()))
                .isEqualTo("node3");
        assertThat(spread(s, Request.builder().constraint("node==Node2").build())).startsWith("unschedulable");
    }

    @Test
    void unsatisfiedConstraintExplainsAsClassicSwarmThenPerNode() {
        var s = cluster(node("node1", 4, 8 * GB, Map.of()), node("node2", 4, 8 * GB, Map.of()),
                node("node3", 4, 8 * GB, Map.of()));
        var u = (Placement.Unschedulable) new Scheduler(new SpreadStrategy())
                .place(s, Request.builder().constraint("node==node9").build());
        assertThat(u.message()).isEqualTo("Unable to find a node that satisfies the following conditions\n"
                + "[node==node9]\nno suitable node (constraint node==node9 matched no node)");
        assertThat(u.conditions()).containsExactly("node==node9");
    }

    @Test
    void insufficientResourcesExplainPerNode() {
        var s = cluster(node("node1", 4, 2 * GB, Map.of()), node("node2", 4, 2 * GB, Map.of()),
                node("node3", 1, 8 * GB, Map.of()), node("node4", 4, 8 * GB, Map.of("zone", "x")));
        var u = (Placement.Unschedulable) new Scheduler(new SpreadStrategy())
                .place(s, Request.builder().memory(4 * GB).nanoCpus(2 * CORE).constraint("zone!=x").build());
        assertThat(u.message()).isEqualTo("no resources available to schedule container\n"
                + "no suitable node (constraint zone!=x not met on 1 node; insufficient memory on 2 nodes; "
                + "insufficient CPU on 1 node)");
    }

    @Test
    void nodeSetsLimitPlacementAndExplainWhatIsMissing() {
        var s = cluster(node("node1", 4, 8 * GB, Map.of()), node("node2", 4, 8 * GB, Map.of()),
                node("node3", 4, 8 * GB, Map.of()));
        NodeSet image = new NodeSet(Set.of("id-node2", "id-node3"), "image redis present", "image redis missing on");
        assertThat(spread(s, Request.builder().onlyOn(image).constraint("node!=node2").build())).isEqualTo("node3");
        var u = (Placement.Unschedulable) new Scheduler(new SpreadStrategy())
                .place(s, Request.builder().onlyOn(image).constraint("node==node1").build());
        assertThat(u.message()).isEqualTo("Unable to find a node that satisfies the following conditions\n"
                + "[image redis present]\n[node==node1]\n"
                + "no suitable node (image redis missing on 1 node; constraint node==node1 not met on 2 nodes)");
    }

    @Test
    void noHealthyNode() {
        var s = cluster(new NodeInfo("a", "a", Health.DOWN, Map.of(), Map.of(), CORE, GB, 0, 0, 0, Set.of(),
                List.of()), new NodeInfo("b", "b", Health.UNHEALTHY, Map.of(), Map.of(), CORE, GB, 0, 0, 0,
                Set.of(), List.of()));
        assertThat(spread(s, Request.none())).isEqualTo("unschedulable: No healthy node available in the cluster\n"
                + "no suitable node (unhealthy or down: 2 nodes)");
        assertThat(spread(cluster(), Request.none())).isEqualTo(
                "unschedulable: No healthy node available in the cluster\nno suitable node (the cluster has no nodes)");
    }

    @Test
    void softConstraintIsDroppedOnlyWhenNothingFits() {
        var s = cluster(node("node1", 4, 8 * GB, Map.of("zone", "a")), node("node2", 4, 8 * GB, Map.of("zone", "b")));
        var sched = new Scheduler(new SpreadStrategy());
        var p = (Placement.Placed) sched.place(s, Request.builder().constraint("zone==~b").build());
        assertThat(p.nodeId()).isEqualTo("id-node2");
        assertThat(p.softIgnored()).isFalse();
        p = (Placement.Placed) sched.place(s, Request.builder().constraint("zone==~c").build());
        assertThat(p.softIgnored()).isTrue();
        // the soft rule's node is full: it is dropped
        p = (Placement.Placed) sched.place(s, Request.builder().memory(6 * GB).constraint("node==~node1").build());
        s.reserve(p.node(), 6 * GB, 0);
        p = (Placement.Placed) sched.place(s, Request.builder().memory(6 * GB).constraint("node==~node1").build());
        assertThat(p.nodeId()).isEqualTo("id-node2");
        assertThat(p.softIgnored()).isTrue();
    }

    @Test
    void affinitiesOnContainersImagesAndLabels() {
        var web = new ContainerInfo("c1", "web", "nginx:1.27", Map.of("com.example.type", "frontend"), List.of(), 0, 0);
        var db = new ContainerInfo("c2", "db", "redis:7", Map.of(), List.of(), 0, 0);
        var s = cluster(node("node1", 4, 8 * GB, Map.of()), node("node2", 4, 8 * GB, Map.of()),
                node("node3", 4, 8 * GB, Map.of()));
        s.addContainer(s.indexOf("id-node2"), web);
        s.addContainer(s.indexOf("id-node3"), db);
        assertThat(spread(s, Request.builder().affinity("container==web").build())).isEqualTo("node2");
        assertThat(spread(s, Request.builder().affinity("container==c2").build())).isEqualTo("node3");
        assertThat(spread(s, Request.builder().affinity("image==redis").build())).isEqualTo("node3");
        assertThat(spread(s, Request.builder().affinity("image==nginx:*").build())).isEqualTo("node2");
        assertThat(spread(s, Request.builder().affinity("com.example.type==frontend").build())).isEqualTo("node2");
        assertThat(spread(s, Request.builder().affinity("container!=web").affinity("image!=redis").build()))
                .isEqualTo("node1");
        assertThat(spread(s, Request.builder().affinity("container==~nope").build())).isEqualTo("node1");
        assertThat(spread(s, Request.builder().affinity("container==nope").build()))
                .startsWith("unschedulable: Unable to find a node that satisfies the following conditions\n"
                        + "[container==nope]");
    }

    @Test
    void dependenciesForceTheSameNode() {
        var s = cluster(node("node1", 4, 8 * GB, Map.of()), node("node2", 4, 8 * GB, Map.of()));
        s.addContainer(s.indexOf("id-node2"), ContainerInfo.of("c9", "data", "busybox"));
        assertThat(spread(s, Request.builder().volumesFrom("data:ro").build())).isEqualTo("node2");
        assertThat(spread(s, Request.builder().link("data:alias").build())).isEqualTo("node2");
        assertThat(spread(s, Request.builder().networkMode("container:data").build())).isEqualTo("node2");
        assertThat(spread(s, Request.builder().ipcMode("container:c9").build())).isEqualTo("node2");
        assertThat(spread(s, Request.builder().volumesFrom("ghost").build())).isEqualTo(
                "unschedulable: Unable to find a node that satisfies the following conditions\n[volumes-from ghost]\n"
                        + "no suitable node (dependency volumes-from ghost: no such container)");
    }

    @Test
    void boundHostPortsExcludeNodesRandomPortsDoNot() {
        var s = cluster(node("node1", 4, 8 * GB, Map.of()), node("node2", 4, 8 * GB, Map.of()));
        var sched = new Scheduler(new SpreadStrategy());
        List<String> placed = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            var p = (Placement.Placed) sched.place(s, Request.builder().port(80).build());
            s.addContainer(p.node(), new ContainerInfo("c" + i, "", "nginx", Map.of(),
                    List.of(PortBinding.tcp(80)), 0, 0));
            placed.add(p.nodeId());
        }
        assertThat(new HashSet<>(placed)).hasSize(2);
        assertThat(spread(s, Request.builder().port(80).build())).isEqualTo(
                "unschedulable: Unable to find a node that satisfies the following conditions\n[port 80 (Bridge mode)]\n"
                        + "no suitable node (port 80/tcp already bound on 2 nodes)");
        assertThat(spread(s, Request.builder().port(new PortBinding(80, "udp")).build())).doesNotStartWith("un");
        assertThat(spread(s, Request.builder().port(0).build())).doesNotStartWith("un");
        s.removeContainer("c0");
        assertThat(spread(s, Request.builder().port(80).build())).doesNotStartWith("un");
    }

    @Test
    void containerSlotsCapANode() {
        var s = cluster(node("node1", 4, 8 * GB, Map.of("containerslots", "1")));
        var sched = new Scheduler(new BinpackStrategy());
        var p = (Placement.Placed) sched.place(s, Request.none());
        s.reserve(p.node(), 0, 0);
        assertThat(place(new BinpackStrategy(), s, Request.none())).isEqualTo(
                "unschedulable: Unable to find a node that satisfies the following conditions\n"
                        + "[available container slots]\nno suitable node (no container slot left on 1 node)");
    }

    @Test
    void reservationsAreTakenAndReleasedAndNeverExceeded() {
        var s = cluster(node("node1", 2, 4 * GB, Map.of()));
        var sched = new Scheduler(new RandomStrategy(7));
        Request r = Request.builder().memory(GB).nanoCpus(CORE / 2).build();
        for (int i = 0; i < 4; i++) {
            var p = (Placement.Placed) sched.place(s, r);
            s.addContainer(p.node(), new ContainerInfo("c" + i, "t" + i, "x", Map.of(), List.of(), GB, CORE / 2));
        }
        assertThat(sched.place(s, r)).isInstanceOf(Placement.Unschedulable.class);
        assertThatThrownBy(() -> s.reserve(0, 1, 0)).isInstanceOf(IllegalStateException.class);
        assertThat(s.reservedMemory(0)).isEqualTo(4 * GB);
        assertThat(s.removeContainer("c2")).isTrue();
        assertThat(s.reservedMemory(0)).isEqualTo(3 * GB);
        assertThat(s.reservedNanoCpus(0)).isEqualTo(3 * CORE / 2);
        assertThat(sched.place(s, r)).isInstanceOf(Placement.Placed.class);
    }

    @Test
    void spreadTakesLowestWeightBinpackHighestThatFits() {
        var s = cluster(node("node1", 4, 8 * GB, Map.of()), node("node2", 4, 8 * GB, Map.of()),
                node("node3", 4, 8 * GB, Map.of()));
        s.reserve(0, 6 * GB, CORE);
        s.reserve(1, 2 * GB, CORE);
        Request r = Request.builder().memory(GB).nanoCpus(CORE).build();
        assertThat(spread(s, r)).isEqualTo("node3");
        assertThat(place(new BinpackStrategy(), s, r)).isEqualTo("node1");
        Request big = Request.builder().memory(3 * GB).build();
        assertThat(place(new BinpackStrategy(), s, big)).isEqualTo("node2"); // node1 would be over-reserved
    }

    @Test
    void tiesGoToFewerContainersForSpreadAndMoreForBinpack() {
        var s = cluster(node("node1", 4, 8 * GB, Map.of()), node("node2", 4, 8 * GB, Map.of()));
        s.reserve(0, 0, 0);
        s.reserve(0, 0, 0);
        s.reserve(1, 0, 0);
        assertThat(spread(s, Request.none())).isEqualTo("node2");
        assertThat(place(new BinpackStrategy(), s, Request.none())).isEqualTo("node1");
    }

    @Test
    void degradedNodesComeLast() {
        var s = cluster(new NodeInfo("a", "a", Health.DEGRADED, Map.of(), Map.of(), CORE, GB, 0, 0, 0, Set.of(),
                List.of()), new NodeInfo("b", "b", Health.HEALTHY, Map.of(), Map.of(), CORE, GB, GB / 2, 0, 5,
                Set.of(), List.of()));
        assertThat(spread(s, Request.builder().memory(1).build())).isEqualTo("b");
        assertThat(place(new RandomStrategy(1), s, Request.none())).isEqualTo("b");
        s.reserve(1, GB, 0);
        assertThat(spread(s, Request.builder().memory(1).build())).isEqualTo("a");
    }
}
