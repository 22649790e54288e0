package dev.shoal.it;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Crashes (SIGKILL) of the manager or an agent lose nothing and disturb no running container. */
class RestartIT {
    private final DockerCli docker = DockerCli.lab();
    @RegisterExtension
    final ContainerNames names = new ContainerNames(docker);

    @BeforeEach
    void labHasAllNodes() {
        awaitHealthyNodes(3);
    }

    /** A container name no other test uses; removed after the test. */
    private String name(String prefix) {
        return names.next(prefix);
    }

    @Test
    void managerKilledAndRestartedKeepsNodesContainersAndReservations() {
        String name = name("durable");
        docker.run("run", "-d", "--name", name, "--memory", "24m", "--label", "purpose=durability",
                "busybox", "sleep", "600").assertOk();
        String node = nodeOf(name);
        String swarmId = docker.run("inspect", "--format", "{{index .Config.Labels \"com.docker.swarm.id\"}}", name)
                .assertOk().trimmed();

        String clusterId = docker.run("info", "--format", "{{.ID}}").assertOk().trimmed();

        SharedLab.Result restart = SharedLab.shoal("lab", "restart", "manager");
        assertThat(restart.exit()).as(restart.err()).isZero();

        awaitHealthyNodes(3);
        assertThat(docker.run("ps", "--filter", "name=" + name, "--format", "{{.Names}} {{.Status}}").assertOk().trimmed())
                .startsWith(node + "/" + name + " Up");
        assertThat(docker.run("inspect", "--format", "{{.Node.Name}}", swarmId).assertOk().trimmed())
                .as("the cluster-wide ID still resolves").isEqualTo(node);
        assertThat(docker.run("info").assertOk().out())
                .as("the reservation is remembered").contains("Reserved Memory: 24 MiB");
        assertThat(docker.run("info", "--format", "{{.ID}}").assertOk().trimmed()).isEqualTo(clusterId);
        DockerCli.Result again = docker.run("run", "-d", "--name", name, "busybox", "true");
        assertThat(again.exit()).isNotZero();
        assertThat(again.err()).contains("is already in use");
    }

    @Test
    void agentKilledAndRestartedAdoptsItsContainersWithoutRestartingThem() {
        String name = name("adopted");
        docker.run("run", "-d", "--name", name, "busybox", "sleep", "600").assertOk();
        String node = nodeOf(name);
        String startedAt = docker.run("inspect", "--format", "{{.State.StartedAt}}", name).assertOk().trimmed();
        for (int i = 0; i < 4; i++) {
            docker.run("logs", name).assertOk(); // leaves kept-alive connections to the node's old agent
        }

        SharedLab.Result restart = SharedLab.shoal("lab", "restart", node);
        assertThat(restart.exit()).as(restart.err()).isZero();

        awaitHealthyNodes(3);
        for (int i = 0; i < 4; i++) {
            docker.run("logs", name).assertOk(); // none of those is used again: each call succeeds the first time
        }
        assertThat(docker.run("inspect", "--format", "{{.State.Running}} {{.State.StartedAt}} {{.RestartCount}}", name)
                .assertOk().trimmed()).isEqualTo("true " + startedAt + " 0");
        assertThat(docker.run("exec", name, "echo", "still-here").assertOk().trimmed()).isEqualTo("still-here");
        assertThat(docker.run("ps", "-a", "-q", "--filter", "name=" + name).assertOk().lines())
                .as("no duplicate appeared").hasSize(1);
    }

    @Test
    void callsToANodeCutOffFailWithinSecondsAndWorkAgainOnceItIsBack() {
        String name = name("cut");
        docker.run("run", "-d", "--name", name, "-e", "constraint:node==node3", "busybox", "sleep", "600").assertOk();
        for (int i = 0; i < 4; i++) {
            docker.run("logs", name).assertOk(); // kept-alive connections to node3 now exist
        }
        try {
            assertThat(SharedLab.shoal("lab", "cut", "node3").exit()).isZero();
            // each bounded: a call riding a connection to the cut node must not wait out TCP or a minute's timeout
            DockerCli.Result logs = docker.run(Duration.ofSeconds(25), null, "logs", name);
            assertThat(logs.exit()).isNotZero();
            assertThat(docker.run(Duration.ofSeconds(25), null, "ps").exit()).isZero();
            assertThat(docker.run(Duration.ofSeconds(25), null, "info").exit()).isZero();
        } finally {
            assertThat(SharedLab.shoal("lab", "heal", "node3").exit()).isZero();
        }
        awaitHealthyNodes(3);
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .until(() -> docker.run("logs", name).exit() == 0);
    }

    @Test
    void aRunningEventsStreamFollowsANodeWhoseAgentRestarted() {
        try (DockerCli.Running events = docker.start("events", "--filter", "type=container", "--filter", "event=start",
                "--format", "{{.Actor.Attributes.name}} {{index .Actor.Attributes \"node.name\"}}")) {
            SharedLab.Result restart = SharedLab.shoal("lab", "restart", "node2");
            assertThat(restart.exit()).as(restart.err()).isZero();
            awaitHealthyNodes(3);

            String name = name("after-restart");
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() -> {
                // started on node2's engine directly: only the manager's new stream from node2 can report it
                DockerCli.engine("node2").run("run", "-d", "--name", name + "-" + System.nanoTime() % 1000,
                        "--label", "shoal.test=events", "busybox", "true").assertOk();
                assertThat(events.outSoFar()).contains(name).contains("node2");
            });
        } finally {
            DockerCli node2 = DockerCli.engine("node2");
            for (String id : node2.run("ps", "-aq", "--filter", "label=shoal.test=events").lines()) {
                node2.run("rm", "-f", id);
            }
        }
    }

    private String nodeOf(String container) {
        return docker.run("inspect", "--format", "{{.Node.Name}}", container).assertOk().trimmed();
    }

    private void awaitHealthyNodes(int n) {
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250)).untilAsserted(() ->
                assertThat(docker.run("info").out().split("Status: Healthy", -1)).hasSize(n + 1));
    }
}
