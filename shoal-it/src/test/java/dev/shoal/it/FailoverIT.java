package dev.shoal.it;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A cut node's containers that ask to be rescheduled come back on another node, once, with their name and
 * config; a container without the policy stays; when the node's link comes back, the copy it kept running is
 * removed there and never listed beside the new one.
 */
class FailoverIT {
    private static final String CUT = "node3";
    private final DockerCli docker = DockerCli.lab();
    private final DockerCli node3 = DockerCli.engine(CUT);
    @RegisterExtension
    final ContainerNames names = new ContainerNames(docker);

    @BeforeEach
    void labHasAllNodes() {
        awaitHealthyNodes(3);
    }

    @AfterEach
    void healed() {
        SharedLab.shoal("lab", "heal", CUT);
        awaitHealthyNodes(3);
    }

    @Test
    void aCutNodesReschedulableContainerRunsElsewhereOnceAndItsOldCopyGoesWhenTheNodeReturns() {
        String moved = names.next("resched");
        String stays = names.next("stays");
        docker.run("run", "-d", "--name", moved, "-e", "reschedule:on-node-failure", "-e", "constraint:node==~" + CUT,
                "--label", "purpose=failover", "busybox", "sleep", "600").assertOk();
        docker.run("run", "-d", "--name", stays, "-e", "constraint:node==~" + CUT, "busybox", "sleep", "600")
                .assertOk();
        assertThat(nodeOf(moved)).isEqualTo(CUT);
        assertThat(nodeOf(stays)).isEqualTo(CUT);
        String swarmId = docker.run("inspect", "--format", "{{index .Config.Labels \"com.docker.swarm.id\"}}", moved)
                .assertOk().trimmed();
        String oldId = docker.run("inspect", "--format", "{{.Id}}", moved).assertOk().trimmed();

        SharedLab.Result cut = SharedLab.shoal("lab", "cut", CUT);
        assertThat(cut.exit()).as(cut.err()).isZero();

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
                assertThat(docker.run("ps", "--filter", "name=" + moved, "--format", "{{.Names}} {{.Status}}")
                        .out().trim()).matches("node[12]/" + moved + " Up.*"));
        // the container without the policy, once its node has fallen silent (a node marked unhealthy whose heartbeats
        // still come late is still listed and asked): hidden by ps, Host Down in ps -a, unreachable with a clear message
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            assertThat(docker.run("ps", "--filter", "name=" + stays, "-q").assertOk().trimmed()).isEmpty();
            assertThat(docker.run("ps", "-a", "--filter", "name=" + stays, "--format", "{{.Status}}").assertOk()
                    .trimmed()).isEqualTo("Host Down");
            DockerCli.Result logs = docker.run("logs", stays);
            assertThat(logs.exit()).isNotZero();
            assertThat(logs.err()).contains("Container " + stays + " running on unhealthy node " + CUT);
        });
        String newId = docker.run("inspect", "--format", "{{.Id}}", moved).assertOk().trimmed();
        assertThat(newId).isNotEqualTo(oldId);
        assertThat(docker.run("inspect", "--format",
                "{{index .Config.Labels \"com.docker.swarm.id\"}}|{{index .Config.Labels \"purpose\"}}|{{.Config.Cmd}}",
                moved).assertOk().trimmed()).isEqualTo(swarmId + "|failover|[sleep 600]");
        // the cut node's engine still runs the old copy: the link is down, not the host
        assertThat(node3.run("ps", "-q", "--no-trunc", "--filter", "id=" + oldId).assertOk().trimmed())
                .isEqualTo(oldId);

        SharedLab.Result heal = SharedLab.shoal("lab", "heal", CUT);
        assertThat(heal.exit()).as(heal.err()).isZero();
        awaitHealthyNodes(3);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
            assertThat(node3.run("ps", "-a", "-q", "--no-trunc", "--filter", "id=" + oldId).assertOk().trimmed())
                    .as("the old copy is removed on the node that came back").isEmpty();
            // every list shows exactly one copy, the new one
            assertThat(docker.run("ps", "-a", "--filter", "label=com.docker.swarm.id=" + swarmId, "--format",
                    "{{.ID}}").assertOk().out().trim().lines().toList()).containsExactly(newId.substring(0, 12));
        });
        assertThat(nodeOf(stays)).as("no policy: it stayed where it was").isEqualTo(CUT);
    }

    @Test
    void aManagerKilledInTheMiddleOfReschedulingLeavesExactlyOneOfEach() {
        String group = "shoal.test.failover=" + names.next("group");
        int count = 12;
        java.util.List<String> started = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            String name = names.next("kill9");
            docker.run("run", "-d", "--name", name, "--label", group, "--restart", "always",
                    "-e", "constraint:node==~" + CUT, "busybox", "sleep", "600").assertOk();
            started.add(name);
        }
        assertThat(started).allSatisfy(n -> assertThat(nodeOf(n)).isEqualTo(CUT));
        assertThat(SharedLab.shoal("lab", "cut", CUT).exit()).isZero();
        // the first move committed: the manager dies while the others are being made
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() ->
                docker.run("ps", "-a", "--filter", "label=" + group, "--format", "{{.Names}}").out().lines()
                        .anyMatch(l -> !l.startsWith(CUT + "/")));
        SharedLab.Result restart = SharedLab.shoal("lab", "restart", "manager");
        assertThat(restart.exit()).as(restart.err()).isZero();

        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                assertThat(docker.run("ps", "--filter", "label=" + group, "--format", "{{.Names}}").assertOk().out()
                        .lines().filter(l -> l.matches("node[12]/.*")).map(l -> l.substring(l.indexOf('/') + 1))
                        .sorted().toList()).isEqualTo(started.stream().sorted().toList()));
        assertThat(SharedLab.shoal("lab", "heal", CUT).exit()).isZero();
        awaitHealthyNodes(3);
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            assertThat(node3.run("ps", "-a", "-q", "--filter", "label=" + group).assertOk().trimmed())
                    .as("no copy left on the node that came back").isEmpty();
            assertThat(docker.run("ps", "-a", "--filter", "label=" + group, "--format", "{{.Names}}").assertOk()
                    .out().lines().count()).as("exactly one of each").isEqualTo(count);
        });
    }

    private String nodeOf(String container) {
        return docker.run("inspect", "--format", "{{.Node.Name}}", container).assertOk().trimmed();
    }

    private void awaitHealthyNodes(int n) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
                assertThat(docker.run("info").out().split("Status: Healthy", -1)).hasSize(n + 1));
    }
}
