package dev.shoal.scheduler;

import dev.shoal.scheduler.expr.Expr;
import dev.shoal.scheduler.model.ContainerInfo;
import dev.shoal.scheduler.model.Health;
import dev.shoal.scheduler.model.ImageInfo;
import dev.shoal.scheduler.model.NodeInfo;
import dev.shoal.scheduler.model.PortBinding;
import dev.shoal.scheduler.model.Request;
import dev.shoal.scheduler.strategy.SpreadStrategy;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.shoal.scheduler.SchedulerTest.CORE;
import static dev.shoal.scheduler.SchedulerTest.GB;
import static dev.shoal.scheduler.SchedulerTest.cluster;
import static dev.shoal.scheduler.SchedulerTest.node;
import static dev.shoal.scheduler.SchedulerTest.spread;
import static org.assertj.core.api.Assertions.assertThat;

/** Classic Swarm habits: what an engine learned behind the manager's back counts; messages read as classic's. */
class ClassicHabitsTest {
    private static final String BUSYBOX = "sha256:65ad0d468eb1c558bf7f4e64e790f586e9eda649ee9f130cd0e835b292bbc5ac";
    private static final String TEST = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    private static NodeInfo withImages(String name, ImageInfo... images) {
        return node(name, 4, 8 * GB, Map.of()).withImages(List.of(images));
    }

    /** busybox everywhere; node2's engine also tagged it "test"; node3 holds a registry image and a digest. */
    private static ClusterSnapshot tagged() {
        return cluster(withImages("node1", ImageInfo.of(BUSYBOX, "busybox:latest")),
                withImages("node2", ImageInfo.of(BUSYBOX, "busybox:latest", "test:latest")),
                withImages("node3", ImageInfo.of(BUSYBOX, "busybox:latest"),
                        new ImageInfo(TEST, List.of("localhost:5000/app:1.0"), List.of("localhost:5000/app@sha256:"
                                + TEST.substring(7)))));
    }

    @Test
    void imageAffinityMeansANodeWhoseEngineHoldsTheImage() {
        var s = tagged();
        assertThat(spread(s, Request.builder().affinity("image==test").build())).isEqualTo("node2");
        assertThat(spread(s, Request.builder().affinity("image==test:latest").build())).isEqualTo("node2");
        assertThat(spread(s, Request.builder().affinity("image==te*").build())).isEqualTo("node2");
        assertThat(spread(s, Request.builder().affinity("image==/^tes/").build())).isEqualTo("node2");
        assertThat(spread(s, Request.builder().affinity("image==localhost:5000/app").build())).isEqualTo("node3");
        assertThat(spread(s, Request.builder().affinity("image==localhost:5000/app:1.0").build())).isEqualTo("node3");
        // by ID: full, without its algorithm, a 12-character short ID; a shorter prefix is no ID
        assertThat(spread(s, Request.builder().affinity("image==" + TEST).build())).isEqualTo("node3");
        assertThat(spread(s, Request.builder().affinity("image==" + TEST.substring(7)).build())).isEqualTo("node3");
        assertThat(spread(s, Request.builder().affinity("image==" + TEST.substring(7, 19)).build()))
                .isEqualTo("node3");
        assertThat(spread(s, Request.builder().affinity("image==" + TEST.substring(7, 12)).build()))
                .startsWith("unschedulable");
        // != : a node holding no such image
        assertThat(spread(s, Request.builder().affinity("image!=test").affinity("image!=localhost:5000/*").build()))
                .isEqualTo("node1");
        var u = (Placement.Unschedulable) new Scheduler(new SpreadStrategy())
                .place(s, Request.builder().affinity("image==redis").build());
        assertThat(u.message()).isEqualTo("Unable to find a node that satisfies the following conditions\n"
                + "[image==redis]\nno suitable node (affinity image==redis matched no node)");
    }

    @Test
    void theImageOfARunningContainerStillCountsWithoutImageFacts() {
        var s = cluster(node("node1", 4, 8 * GB, Map.of()), node("node2", 4, 8 * GB, Map.of()));
        s.addContainer(1, ContainerInfo.of("c1", "web", "nginx:1.27"));
        assertThat(spread(s, Request.builder().affinity("image==nginx").build())).isEqualTo("node2");
        assertThat(spread(s, Request.builder().affinity("image!=nginx").build())).isEqualTo("node1");
    }

    @Test
    void backslashBangReadsAsBangInLabelsAndEnvironment() {
        var s = cluster(node("node1", 4, 8 * GB, Map.of()), node("node2", 4, 8 * GB, Map.of()));
        s.addContainer(0, ContainerInfo.of("x1", "c1", "busybox"));
        s.addContainer(1, ContainerInfo.of("x2", "c2", "busybox"));
        s.addContainer(1, ContainerInfo.of("x3", "c3", "busybox"));
        // what an interactive shell leaves of --label 'com.docker.swarm.affinities=["container\!=c1"]'
        Request fromLabel = Request.builder().fromDocker(List.of(),
                Map.of(Request.AFFINITIES_LABEL, "[\"container\\!=c1\"]")).build();
        assertThat(fromLabel.affinities()).extracting(Expr::canonical).containsExactly("container!=c1");
        assertThat(spread(s, fromLabel)).isEqualTo("node2");
        Request fromEnv = Request.builder().fromDocker(List.of("affinity:container\\!=c1",
                "constraint:node\\!=node2"), Map.of()).build();
        assertThat(fromEnv.affinities()).extracting(Expr::canonical).containsExactly("container!=c1");
        assertThat(fromEnv.constraints()).extracting(Expr::source).containsExactly("node!=node2");
        Request constraintLabel = Request.builder().fromDocker(List.of(),
                Map.of(Request.CONSTRAINTS_LABEL, "[\"node\\!=node1\", \"node\\!=~node9\"]")).build();
        assertThat(constraintLabel.constraints()).extracting(Expr::canonical)
                .containsExactly("node!=node1", "node!=node9");
        assertThat(spread(s, constraintLabel)).isEqualTo("node2");
        // an escaped backslash is left alone (a regex that wants one)
        assertThat(Expr.unescapeBang("kk==/a\\\\!b/")).isEqualTo("kk==/a\\\\!b/");
        assertThat(Request.ruleLabel("affinity", "[\"kk==a\\\\!b\"]")).containsExactly("kk==a\\!b");
    }

    @Test
    void hostModeExposedPortsAreBoundOnTheHostAndClashWithBridgeBindings() {
        var s = cluster(node("node1", 4, 8 * GB, Map.of()), node("node2", 4, 8 * GB, Map.of()),
                node("node3", 4, 8 * GB, Map.of()));
        var sched = new Scheduler(new SpreadStrategy());
        for (int i = 0; i < 2; i++) {
            var p = (Placement.Placed) sched.place(s, Request.builder().port(PortBinding.host(80, "tcp")).build());
            s.addContainer(p.node(), new ContainerInfo("h" + i, "", "busybox", Map.of(),
                    List.of(PortBinding.host(80, "tcp")), 0, 0));
        }
        // the third node is the only one left, for a host-mode port and for a bridge binding of the same port
        assertThat(spread(s, Request.builder().port(PortBinding.host(80, "tcp")).build())).isEqualTo("node3");
        assertThat(spread(s, Request.builder().port(80).build())).isEqualTo("node3");
        assertThat(spread(s, Request.builder().port(PortBinding.host(80, "udp")).build())).doesNotStartWith("un");
        s.addContainer(2, new ContainerInfo("b", "", "nginx", Map.of(), List.of(PortBinding.tcp(80)), 0, 0));
        assertThat(spread(s, Request.builder().port(PortBinding.host(80, "tcp")).build())).isEqualTo(
                "unschedulable: Unable to find a node that satisfies the following conditions\n"
                        + "[port 80/tcp (Host mode)]\nno suitable node (port 80/tcp already bound on 3 nodes)");
        assertThat(spread(s, Request.builder().port(80).build())).isEqualTo(
                "unschedulable: Unable to find a node that satisfies the following conditions\n"
                        + "[port 80 (Bridge mode)]\nno suitable node (port 80/tcp already bound on 3 nodes)");
        assertThat(new PortBinding(53, "udp").condition()).isEqualTo("port 53/udp (Bridge mode)");
    }

    @Test
    void engineLabelContainerSlotsCapsANodeAndForeignContainersCount() {
        NodeInfo engineCapped = new NodeInfo("id-node1", "node1", Health.HEALTHY, Map.of(),
                Map.of("containerslots", "2"), 4 * CORE, 8 * GB, 0, 0, 1, Set.of(), List.of());
        NodeInfo nodeLabelWins = new NodeInfo("id-node2", "node2", Health.HEALTHY, Map.of("containerslots", "1"),
                Map.of("containerslots", "5"), 4 * CORE, 8 * GB, 0, 0, 0, Set.of(), List.of());
        var s = cluster(engineCapped, nodeLabelWins);
        assertThat(s.slots(0)).isEqualTo(2);
        assertThat(s.slots(1)).isEqualTo(1);
        // node1's engine has one container the manager did not make: one slot left there
        var sched = new Scheduler(new SpreadStrategy());
        Request onNode1 = Request.builder().constraint("node==node1").build();
        var p = (Placement.Placed) sched.place(s, onNode1);
        s.addContainer(p.node(), ContainerInfo.of("c1", "one", "busybox"));
        assertThat(spread(s, onNode1)).isEqualTo(
                "unschedulable: Unable to find a node that satisfies the following conditions\n"
                        + "[node==node1]\n[available container slots]\nno suitable node (constraint node==node1 not met"
                        + " on 1 node;"
                        + " no container slot left on 1 node)");
    }

    @Test
    void dependenciesOnTwoNodesSayWhereEachIsAndHowToPlaceThemTogether() {
        var s = cluster(node("node1", 4, 8 * GB, Map.of()), node("node2", 4, 8 * GB, Map.of()),
                node("node3", 4, 8 * GB, Map.of()));
        s.addContainer(0, ContainerInfo.of("x1", "db", "busybox"));
        s.addContainer(1, ContainerInfo.of("x2", "cache", "busybox"));
        var u = (Placement.Unschedulable) new Scheduler(new SpreadStrategy())
                .place(s, Request.builder().link("db:db").link("cache").build());
        assertThat(u.message()).isEqualTo("Unable to find a node that satisfies the following conditions\n"
                + "[link db and link cache on one node]\n"
                + "no suitable node (the containers it depends on are on different nodes (link db is on node1, "
                + "link cache is on node2), but one engine must run a container and every container it links to or"
                + " shares volumes, network or IPC with, and containers on different nodes share no network yet;"
                + " place them together: create cache again with -e affinity:container==db (or -e constraint:"
                + "node==node1), then this container)");
        // both on one node: placed there
        s.removeContainer("x2");
        s.addContainer(0, ContainerInfo.of("x2", "cache", "busybox"));
        assertThat(spread(s, Request.builder().link("db:db").link("cache").build())).isEqualTo("node1");
    }
}
