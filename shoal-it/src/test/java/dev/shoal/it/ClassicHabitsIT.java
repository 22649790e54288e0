package dev.shoal.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Classic Swarm habits through the real docker CLI: what an engine learns behind the manager's back (an image
 * tagged on it directly) counts at the next placement; the {@code \!} an interactive shell leaves in a rule label
 * reads as {@code !}; a host-network container takes the host ports it exposes; port refusals read as classic
 * Swarm's ({@code [port 80 (Bridge mode)]}, {@code [port 80/tcp (Host mode)]}); links to containers on two nodes
 * say where each is and how to place them together. Lab: node1/node3 in zone=a, node2 in zone=b.
 */
class ClassicHabitsIT {
    private static final String UNSATISFIED = "Unable to find a node that satisfies the following conditions";
    private final DockerCli docker = DockerCli.lab();
    @RegisterExtension
    final ContainerNames names = new ContainerNames(docker);

    private String nodeOf(String ref) {
        return docker.run("inspect", "--format", "{{.Node.Name}}", ref).assertOk().trimmed();
    }

    private String stateError(String ref) {
        return docker.run("inspect", "--format", "{{.State.Status}}|{{.State.Error}}", ref).assertOk().out();
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
    void anImageTaggedDirectlyOnOneEngineIsSeenByImageAffinity() {
        String tag = "habit-" + UUID.randomUUID().toString().substring(0, 8);
        DockerCli node2 = DockerCli.engine("node2");
        node2.run("tag", "busybox", tag).assertOk();
        try {
            for (String rule : new String[] {"image==" + tag, "image==" + tag + ":latest", "image==habit-*"}) {
                String name = names.next("img");
                runDetached(name, "-e", "affinity:" + rule, "busybox").assertOk();
                assertThat(nodeOf(name)).as(rule).isEqualTo("node2");
            }
            String byLabel = names.next("img-label");
            runDetached(byLabel, "--label", "com.docker.swarm.affinities=[\"image==" + tag + "\"]", "busybox")
                    .assertOk();
            assertThat(nodeOf(byLabel)).isEqualTo("node2");
            for (int i = 0; i < 3; i++) {
                String away = names.next("img-away");
                runDetached(away, "-e", "affinity:image!=" + tag, "busybox").assertOk();
                assertThat(nodeOf(away)).isNotEqualTo("node2");
            }
            String awayByLabel = names.next("img-away-label");
            runDetached(awayByLabel, "--label", "com.docker.swarm.affinities=[\"image\\!=" + tag + "\"]", "busybox")
                    .assertOk();
            assertThat(nodeOf(awayByLabel)).isNotEqualTo("node2");
        } finally {
            node2.run("rmi", tag);
        }
    }

    @Test
    void theBackslashAShellLeavesBeforeBangReadsAsNotEqual() {
        String c1 = names.next("c1");
        runDetached(c1, "-e", "constraint:node==node1", "busybox").assertOk();
        // zone==a is node1 or node3; "not with c1" leaves node3
        String byLabel = names.next("not-c1");
        runDetached(byLabel, "-e", "constraint:zone==a",
                "--label", "com.docker.swarm.affinities=[\"container\\!=" + c1 + "\"]", "busybox").assertOk();
        assertThat(nodeOf(byLabel)).isEqualTo("node3");
        String byConstraintLabel = names.next("not-node1");
        runDetached(byConstraintLabel, "--label", "com.docker.swarm.constraints=[\"zone==a\",\"node\\!=node1\"]",
                "busybox").assertOk();
        assertThat(nodeOf(byConstraintLabel)).isEqualTo("node3");
        String byEnv = names.next("not-c1-env");
        runDetached(byEnv, "-e", "constraint:zone==a", "-e", "affinity:container\\!=" + c1, "busybox").assertOk();
        assertThat(nodeOf(byEnv)).isEqualTo("node3");
    }

    @Test
    void aHostNetworkContainerTakesTheHostPortItExposes() {
        Set<String> nodes = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            String name = names.next("hostport");
            runDetached(name, "--net=host", "--expose=18095", "busybox").assertOk();
            nodes.add(nodeOf(name));
        }
        assertThat(nodes).as("one per node: each holds 18095/tcp on its host").hasSize(3);

        String fourth = names.next("hostport");
        DockerCli.Result r = runDetached(fourth, "--net=host", "--expose=18095", "busybox").assertOk();
        assertThat(r.err()).contains(UNSATISFIED + "\n[port 18095/tcp (Host mode)]\n",
                "port 18095/tcp already bound on 3 nodes", "Pending");
        assertThat(stateError(fourth)).startsWith("pending|" + UNSATISFIED + "\n[port 18095/tcp (Host mode)]\n")
                .contains("port 18095/tcp already bound on 3 nodes");

        // the host's port is taken for a bridge binding too, as on a real host
        String bridge = names.next("bridge-on-host-port");
        runDetached(bridge, "-p", "18095:80", "busybox").assertOk();
        assertThat(stateError(bridge)).startsWith("pending|" + UNSATISFIED + "\n[port 18095 (Bridge mode)]\n");

        String foreground = names.next("hostport-fg");
        DockerCli.Result fg = docker.run("run", "--name", foreground, "--net=host", "--expose=18095", "busybox",
                "true");
        assertThat(fg.exit()).isNotZero();
        assertThat(fg.err()).contains(UNSATISFIED + "\n[port 18095/tcp (Host mode)]\n",
                "port 18095/tcp already bound on 3 nodes");
    }

    @Test
    void aBridgePortClashReadsAsClassicSwarmsRefusal() {
        for (int i = 0; i < 3; i++) {
            runDetached(names.next("bport"), "-p", "18096:80", "busybox").assertOk();
        }
        String fourth = names.next("bport");
        DockerCli.Result r = runDetached(fourth, "-p", "18096:80", "busybox").assertOk();
        assertThat(r.err()).contains(UNSATISFIED + "\n[port 18096 (Bridge mode)]\n",
                "no suitable node (port 18096/tcp already bound on 3 nodes)", "Pending");
        assertThat(stateError(fourth)).isEqualTo("pending|" + UNSATISFIED + "\n[port 18096 (Bridge mode)]\n"
                + "no suitable node (port 18096/tcp already bound on 3 nodes)\n");

        String foreground = names.next("bport-fg");
        DockerCli.Result fg = docker.run("run", "--name", foreground, "-p", "18096:80", "busybox", "true");
        assertThat(fg.exit()).isNotZero();
        assertThat(fg.err()).contains(UNSATISFIED + "\n[port 18096 (Bridge mode)]\n"
                + "no suitable node (port 18096/tcp already bound on 3 nodes)");
        assertThat(docker.run("ps", "-a", "-q", "--filter", "name=" + foreground).assertOk().trimmed()).isEmpty();
    }

    @Test
    void linksToContainersOnTwoNodesSayWhereEachIsAndHowToPlaceThemTogether() {
        String db = names.next("db");
        String cache = names.next("cache");
        runDetached(db, "-e", "constraint:node==node1", "busybox").assertOk();
        runDetached(cache, "-e", "constraint:node==node2", "busybox").assertOk();

        String web = names.next("web");
        DockerCli.Result r = runDetached(web, "--link", db, "--link", cache + ":c", "busybox").assertOk();
        String why = "link " + db + " is on node1, link " + cache + " is on node2";
        String hint = "create " + cache + " again with -e affinity:container==" + db;
        assertThat(r.err()).contains(UNSATISFIED, why, hint, "Pending");
        assertThat(stateError(web)).contains(UNSATISFIED + "\n[link " + db + " and link " + cache + " on one node]\n",
                why, "containers on different nodes share no network yet", hint);

        DockerCli.Result fg = docker.run("run", "--rm", "--link", db, "--link", cache, "busybox", "true");
        assertThat(fg.exit()).isNotZero();
        assertThat(fg.err()).contains(UNSATISFIED, why, hint);

        // placed together as the hint says: it runs
        String cache2 = names.next("cache2");
        runDetached(cache2, "-e", "affinity:container==" + db, "busybox").assertOk();
        String web2 = names.next("web2");
        runDetached(web2, "--link", db, "--link", cache2, "busybox").assertOk();
        assertThat(nodeOf(web2)).isEqualTo("node1");
    }

    /**
     * {@code containerslots} as an ENGINE label (dockerd's {@code --label}, here its daemon.json reloaded with SIGHUP as
     * on a real host) caps the node, counting every container its engine has, also those made on it directly.
     */
    @Test
    void anEngineLabelledWithContainerSlotsIsHeldToThem() throws Exception {
        var node2 = dev.shoal.lab.LabLayout.HostLayout.parse("node2");
        java.nio.file.Path daemonJson = node2.etcDocker().resolve("daemon.json");
        String original = java.nio.file.Files.readString(daemonJson);
        DockerCli engine = DockerCli.engine("node2");
        String direct = names.next("slot-direct");
        engine.run("create", "--name", direct, "busybox", "true").assertOk(); // behind the manager's back
        try {
            int onEngine = engine.run("ps", "-aq").assertOk().lines().size();
            int slots = onEngine + 2;
            java.nio.file.Files.writeString(daemonJson, original.replace("\"shoal.lab=true\"",
                    "\"shoal.lab=true\", \"containerslots=" + slots + "\""));
            reload(node2);
            org.awaitility.Awaitility.await("node2's engine label to reach the manager")
                    .atMost(java.time.Duration.ofSeconds(40)).pollInterval(java.time.Duration.ofMillis(500))
                    .until(() -> docker.run("info").out().contains("containerslots=" + slots));
            String first = names.next("slot");
            String second = names.next("slot");
            String third = names.next("slot");
            runDetached(first, "-e", "constraint:node==node2", "busybox").assertOk();
            runDetached(second, "-e", "constraint:node==node2", "busybox").assertOk();
            DockerCli.Result over = runDetached(third, "-e", "constraint:node==node2", "busybox");
            assertThat(over.err() + over.out()).contains("no container slot left on 1 node");
            assertThat(stateError(third)).startsWith("pending|").contains("available container slots");
        } finally {
            java.nio.file.Files.writeString(daemonJson, original);
            reload(node2);
            engine.run("rm", "-f", direct);
        }
        org.awaitility.Awaitility.await("node2's slots label gone").atMost(java.time.Duration.ofSeconds(40))
                .pollInterval(java.time.Duration.ofMillis(500))
                .until(() -> !docker.run("info").out().contains("containerslots="));
    }

    /** SIGHUP makes dockerd read its daemon.json again (labels are reloadable). */
    private static void reload(dev.shoal.lab.LabLayout.HostLayout h) throws Exception {
        long pid = Long.parseLong(java.nio.file.Files.readString(h.dockerPid()).strip());
        Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(pid)).inheritIO().start();
        assertThat(kill.waitFor()).isZero();
    }

    @Test
    void aReschedulePolicyIsKeptAsClassicSwarmsLabelAndABadOneIsRefusedWithNothingMade() {
        String byEnv = names.next("resched-env");
        runDetached(byEnv, "-e", "reschedule:on-node-failure", "-e", "KEEP=1", "busybox").assertOk();
        assertThat(docker.run("inspect", "--format",
                "{{index .Config.Labels \"com.docker.swarm.reschedule-policies\"}}|{{json .Config.Env}}", byEnv)
                .assertOk().trimmed())
                .startsWith("[\"on-node-failure\"]|")
                .contains("KEEP=1")
                .doesNotContain("reschedule:");

        String bad = names.next("resched-bad");
        DockerCli.Result refused = runDetached(bad, "-e", "reschedule:sometimes", "busybox");
        assertThat(refused.exit()).isNotZero();
        assertThat(refused.err()).contains("invalid reschedule policy: sometimes");
        assertThat(docker.run("ps", "-a", "--filter", "name=" + bad, "--format", "{{.Names}}").assertOk().trimmed())
                .isEmpty();
        DockerCli.Result both = runDetached(names.next("resched-both"), "--label",
                "com.docker.swarm.reschedule-policies=[\"off\",\"on-node-failure\"]", "busybox");
        assertThat(both.err()).contains("invalid reschedule policy");
    }
}
