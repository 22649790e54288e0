package dev.shoal.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The scheduler through the real docker CLI: classic Swarm's constraints and affinities, port clashes, memory
 * reservations with Pending containers that start by themselves, and the binpack and spread strategies.
 * The lab's agents carry the node label zone=a (node1, node3) or zone=b (node2).
 */
class SchedulerIT {
    private final DockerCli docker = DockerCli.lab();
    @RegisterExtension
    final ContainerNames names = new ContainerNames(docker);

    private String nodeOf(String ref) {
        return docker.run("inspect", "--format", "{{.Node.Name}}", ref).assertOk().trimmed();
    }

    /** The node part of the container's name as {@code docker ps} shows it (node/name). */
    private String nodeInPs(String name) {
        String shown = docker.run("ps", "-a", "--filter", "name=" + name, "--format", "{{.Names}}").assertOk().trimmed();
        assertThat(shown).endsWith("/" + name);
        return shown.substring(0, shown.indexOf('/'));
    }

    private String status(String name) {
        return docker.run("ps", "-a", "--filter", "name=^/?([^/]+/)?" + name + "$", "--format", "{{.Status}}")
                .assertOk().trimmed();
    }

    private DockerCli.Result runDetached(String name, String... args) {
        String[] cmd = new String[args.length + 6];
        cmd[0] = "run";
        cmd[1] = "-d";
        cmd[2] = "--name";
        cmd[3] = name;
        System.arraycopy(args, 0, cmd, 4, args.length);
        cmd[args.length + 4] = "sleep";
        cmd[args.length + 5] = "600";
        return docker.run(cmd);
    }

    @Test
    void constraintsByNodeNameEngineLabelAndNodeLabel() {
        String byName = names.next("on-node3");
        runDetached(byName, "-e", "constraint:node==node3", "busybox").assertOk();
        assertThat(nodeOf(byName)).isEqualTo("node3");

        String byEngineLabel = names.next("on-engine-label");
        runDetached(byEngineLabel, "-e", "constraint:shoal.lab.node==node1", "busybox").assertOk();
        assertThat(nodeOf(byEngineLabel)).isEqualTo("node1");

        String byNodeLabel = names.next("zone-b");
        runDetached(byNodeLabel, "-e", "constraint:zone==b", "busybox").assertOk();
        assertThat(nodeOf(byNodeLabel)).isEqualTo("node2");

        String byLabelJson = names.next("label-json");
        runDetached(byLabelJson, "--label", "com.docker.swarm.constraints=[\"node!=node1\",\"zone==a\"]", "busybox")
                .assertOk();
        assertThat(nodeOf(byLabelJson)).isEqualTo("node3");

        // the rule moved from the environment into the label, as classic Swarm did: the process never sees it
        assertThat(docker.run("exec", byNodeLabel, "env").assertOk().out()).doesNotContain("constraint:");
        assertThat(docker.run("inspect", "--format", "{{index .Config.Labels \"com.docker.swarm.constraints\"}}",
                byNodeLabel).assertOk().trimmed()).isEqualTo("[\"zone==b\"]");
    }

    @Test
    void affinityFollowsAContainer() {
        String anchor = names.next("anchor");
        runDetached(anchor, "busybox").assertOk();
        String node = nodeOf(anchor);
        for (int i = 0; i < 2; i++) {
            String follower = names.next("follower");
            runDetached(follower, "-e", "affinity:container==" + anchor, "busybox").assertOk();
            assertThat(nodeOf(follower)).isEqualTo(node);
        }
        String away = names.next("away");
        runDetached(away, "-e", "affinity:container!=" + anchor, "busybox").assertOk();
        assertThat(nodeOf(away)).isNotEqualTo(node);
    }

    @Test
    void dependenciesForceTheSameNode() {
        String anchor = names.next("shared");
        runDetached(anchor, "-v", "/data", "busybox").assertOk();
        String node = nodeOf(anchor);
        String sharesNet = names.next("net-of");
        runDetached(sharesNet, "--net", "container:" + anchor, "busybox").assertOk();
        String sharesVolumes = names.next("volumes-of");
        runDetached(sharesVolumes, "--volumes-from", anchor, "busybox").assertOk();
        assertThat(List.of(nodeOf(sharesNet), nodeOf(sharesVolumes))).containsOnly(node);
    }

    @Test
    void aPortClashMovesTheSecondContainer() {
        Set<String> nodes = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            String name = names.next("port");
            runDetached(name, "-p", "18089:80", "busybox").assertOk();
            nodes.add(nodeOf(name));
        }
        assertThat(nodes).hasSize(3);

        String fourth = names.next("port");
        DockerCli.Result r = runDetached(fourth, "-p", "18089:80", "busybox").assertOk();
        assertThat(r.err()).contains("Pending");
        assertThat(status(fourth)).isEqualTo("Pending");
        assertThat(docker.run("inspect", "--format", "{{.State.Error}}", fourth).assertOk().out())
                .contains("Unable to find a node that satisfies the following conditions", "[port 18089 (Bridge mode)]",
                        "port 18089/tcp already bound on 3 nodes");
    }

    @Test
    void malformedRulesAreRefusedAndNothingIsLeft() {
        String name = names.next("malformed");
        DockerCli.Result r = runDetached(name, "-e", "constraint:node=node1", "busybox");
        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("malformed constraint expression \"node=node1\"");
        assertThat(docker.run("ps", "-a", "-q", "--filter", "name=" + name).assertOk().trimmed()).isEmpty();
    }

    @Test
    void aForegroundRunThatFitsNowhereFailsFastWithTheReason() {
        String name = names.next("nowhere");
        DockerCli.Result r = docker.run("run", "--name", name, "-e", "constraint:node==node9", "busybox", "true");
        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("Unable to find a node that satisfies the following conditions",
                "[node==node9]", "constraint node==node9 matched no node");
        assertThat(docker.run("ps", "-a", "-q", "--filter", "name=" + name).assertOk().trimmed()).isEmpty();
    }

    @Test
    void memoryBeyondEveryNodeWaitsPendingAndStartsWhenRoomAppears() {
        long nodeMemory = Long.parseLong(docker.run("info", "--format", "{{.MemTotal}}").assertOk().trimmed()) / 3;
        String big = String.valueOf(nodeMemory * 6 / 10);
        List<String> bigs = List.of(names.next("big"), names.next("big"), names.next("big"));
        Set<String> nodes = new HashSet<>();
        for (String name : bigs) {
            runDetached(name, "--memory", big, "busybox").assertOk();
            nodes.add(nodeOf(name));
        }
        assertThat(nodes).as("60%% of a node's memory each: one per node").hasSize(3);

        String waiting = names.next("waiting");
        String id = runDetached(waiting, "--memory", big, "busybox").assertOk().trimmed();
        assertThat(id).hasSize(64);
        assertThat(status(waiting)).isEqualTo("Pending");
        assertThat(docker.run("inspect", "--format", "{{.State.Status}}|{{.State.Error}}", waiting).assertOk().out())
                .startsWith("pending|no resources available to schedule container")
                .contains("insufficient memory on 3 nodes");
        assertThat(docker.run("info").assertOk().out()).contains("Reserved Memory");

        String freed = nodeOf(bigs.get(1));
        docker.run("rm", "-f", bigs.get(1)).assertOk();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                .until(() -> status(waiting).startsWith("Up"));
        assertThat(nodeOf(waiting)).isEqualTo(freed);
        assertThat(docker.run("inspect", "--format", "{{.HostConfig.Memory}}", waiting).assertOk().trimmed())
                .isEqualTo(big);
    }

    @Test
    void aPendingContainerStoppedBeforeItIsPlacedIsCreatedThereButNotStarted() {
        List<String> holders = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String name = names.next("hold");
            runDetached(name, "-p", "18091:80", "busybox").assertOk();
            holders.add(name);
        }
        String stopped = names.next("stopped");
        String killed = names.next("killed");
        runDetached(stopped, "-p", "18091:80", "busybox").assertOk();
        runDetached(killed, "-p", "18091:80", "busybox").assertOk();
        assertThat(status(stopped)).isEqualTo("Pending");

        docker.run("stop", stopped).assertOk();
        docker.run("kill", killed).assertOk();
        assertThat(status(stopped)).as("still waiting for a place").isEqualTo("Pending");

        String freed = nodeOf(holders.get(0));
        docker.run("rm", "-f", holders.get(0)).assertOk();
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                .until(() -> status(stopped).startsWith("Created") || status(killed).startsWith("Created"));
        String placed = status(stopped).startsWith("Created") ? stopped : killed;
        assertThat(nodeOf(placed)).isEqualTo(freed);
        assertThat(docker.run("inspect", "--format", "{{.State.Running}}", placed).assertOk().trimmed())
                .as("placed, but not started: its start was taken back").isEqualTo("false");
    }

    @Test
    void removingAPendingContainerCancelsIt() {
        String name = names.next("cancel");
        runDetached(name, "-e", "constraint:node==node9", "busybox").assertOk();
        assertThat(status(name)).isEqualTo("Pending");
        assertThat(docker.run("ps", "-a", "--filter", "status=pending", "--format", "{{.Names}}").assertOk().lines())
                .contains(name);
        String renamed = names.next("cancel-renamed");
        docker.run("rename", name, renamed).assertOk();
        assertThat(status(renamed)).isEqualTo("Pending");
        docker.run("rename", renamed, name).assertOk();

        docker.run("rm", name).assertOk();
        assertThat(docker.run("ps", "-a", "-q", "--filter", "name=" + name).assertOk().trimmed()).isEmpty();
        assertThat(docker.run("inspect", name).exit()).isNotZero();
        // the name is free again
        runDetached(name, "busybox").assertOk();
    }

    @Test
    void updateMovesTheReservationAndRefusesToOverReserve() {
        long nodeMemory = Long.parseLong(docker.run("info", "--format", "{{.MemTotal}}").assertOk().trimmed()) / 3;
        String name = names.next("resize");
        runDetached(name, "--memory", "64m", "busybox").assertOk();
        docker.run("update", "--memory", "128m", "--memory-swap", "256m", name).assertOk();
        assertThat(docker.run("inspect", "--format", "{{.HostConfig.Memory}}", name).assertOk().trimmed())
                .isEqualTo(String.valueOf(128L << 20));

        DockerCli.Result tooBig = docker.run("update", "--memory", String.valueOf(nodeMemory + (1L << 30)),
                "--memory-swap", "-1", name);
        assertThat(tooBig.exit()).isNotZero();
        assertThat(tooBig.err()).contains("insufficient memory on " + nodeOf(name));
        assertThat(docker.run("inspect", "--format", "{{.HostConfig.Memory}}", name).assertOk().trimmed())
                .isEqualTo(String.valueOf(128L << 20));
    }

    /**
     * One manager restart into binpack with --unschedulable=fail, then back to the default: binpack fills one node,
     * fail refuses what fits nowhere, and a pending container survives the restart.
     */
    @Test
    void binpackAndFailModeThenSpreadAfterARestart() {
        String survivor = names.next("survivor");
        runDetached(survivor, "-e", "constraint:node==node9", "busybox").assertOk();
        try {
            assertThat(SharedLab.shoal("lab", "restart", "manager", "--strategy", "binpack", "--unschedulable", "fail")
                    .exit()).isZero();
            assertThat(docker.run("info").assertOk().out()).contains("Strategy: binpack");
            assertThat(status(survivor)).as("pending work survives a manager restart").isEqualTo("Pending");

            Set<String> nodes = new HashSet<>();
            List<String> packed = List.of(names.next("binpack"), names.next("binpack"), names.next("binpack"));
            for (String name : packed) {
                runDetached(name, "--memory", "32m", "busybox").assertOk();
                nodes.add(nodeInPs(name));
            }
            assertThat(nodes).as("binpack fills one node").hasSize(1);
            packed.forEach(name -> docker.run("rm", "-f", name).assertOk()); // spread below starts from level nodes

            String refused = names.next("refused");
            DockerCli.Result r = runDetached(refused, "-e", "constraint:node==node9", "busybox");
            assertThat(r.exit()).isNotZero();
            assertThat(r.err()).contains("Unable to find a node that satisfies the following conditions");
            assertThat(docker.run("ps", "-a", "-q", "--filter", "name=" + refused).assertOk().trimmed()).isEmpty();
        } finally {
            assertThat(SharedLab.shoal("lab", "restart", "manager", "--strategy", "spread", "--unschedulable", "queue")
                    .exit()).isZero();
        }
        assertThat(docker.run("info").assertOk().out()).contains("Strategy: spread");
        Set<String> nodes = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            String name = names.next("spread");
            runDetached(name, "--memory", "32m", "busybox").assertOk();
            nodes.add(nodeInPs(name));
        }
        assertThat(nodes).as("spread uses every node").hasSize(3);
    }
}
