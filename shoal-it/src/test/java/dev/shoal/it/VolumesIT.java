package dev.shoal.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** A named volume lives on one node, and containers that mount it go there: data never forks. */
class VolumesIT {
    private final DockerCli docker = DockerCli.lab();
    @RegisterExtension
    final ContainerNames names = new ContainerNames(docker);

    private static String volumeName(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private String nodeOf(String container) {
        return docker.run("inspect", "--format", "{{.Node.Name}}", container).assertOk().trimmed();
    }

    @Test
    void containersFollowTheirVolume() {
        String volume = volumeName("data");
        try {
            docker.run("volume", "create", volume).assertOk();
            String home = docker.run("volume", "inspect", "--format", "{{.Status.Node}}", volume).assertOk().trimmed();
            assertThat(home).matches("node[123]");
            assertThat(docker.run("volume", "ls", "--format", "{{.Name}}").assertOk().lines()).contains(volume);

            String writer = names.next("writer");
            docker.run("run", "--name", writer, "-v", volume + ":/data", "busybox", "sh", "-c",
                    "echo kept > /data/f").assertOk();
            for (int i = 0; i < 3; i++) { // spread alone would have used the other nodes
                String reader = names.next("reader");
                DockerCli.Result r = docker.run("run", "--name", reader, "--mount",
                        "type=volume,source=" + volume + ",target=/data", "busybox", "cat", "/data/f").assertOk();
                assertThat(r.trimmed()).isEqualTo("kept");
                assertThat(nodeOf(reader)).isEqualTo(home);
            }
            assertThat(nodeOf(writer)).isEqualTo(home);
        } finally {
            names.afterEach(null);
            docker.run("volume", "rm", volume);
        }
        assertThat(docker.run("volume", "ls", "--format", "{{.Name}}").assertOk().lines()).doesNotContain(volume);
    }

    @Test
    void aVolumeThatDoesNotExistYetIsMadeWhereTheContainerLands() {
        String volume = volumeName("fresh");
        String user = names.next("fresh-user");
        try {
            docker.run("run", "-d", "--name", user, "-e", "constraint:node==node3", "-v", volume + ":/data",
                    "busybox", "sleep", "600").assertOk();
            assertThat(docker.run("volume", "inspect", "--format", "{{.Status.Node}}", volume).assertOk().trimmed())
                    .isEqualTo("node3");
            assertThat(DockerCli.engine("node1").run("volume", "inspect", volume).exit()).as("not forked").isNotZero();
            assertThat(DockerCli.engine("node2").run("volume", "inspect", volume).exit()).isNotZero();
        } finally {
            names.afterEach(null);
            docker.run("volume", "rm", volume);
        }
    }

    @Test
    void pruneRemovesUnusedVolumesOnEveryNode() {
        String a = volumeName("prune");
        String b = volumeName("prune");
        docker.run("volume", "create", "node1/" + a).assertOk();
        docker.run("volume", "create", "node3/" + b).assertOk();
        String out = docker.run("volume", "prune", "-f").assertOk().out();
        assertThat(out).contains(a, b);
        assertThat(docker.run("volume", "ls", "--format", "{{.Name}}").assertOk().lines()).doesNotContain(a, b);
    }

    @Test
    void aVolumeGoesWhereItIsToldAndANameOnTwoNodesIsShownPerNode() {
        String pinned = volumeName("pinned");
        String ruled = volumeName("ruled");
        String twice = volumeName("twice");
        try {
            docker.run("volume", "create", "node2/" + pinned).assertOk();
            assertThat(docker.run("volume", "inspect", "--format", "{{.Status.Node}}", pinned).assertOk().trimmed())
                    .isEqualTo("node2");
            docker.run("volume", "create", "--label", "com.docker.swarm.constraints=[\"node==node3\"]", ruled)
                    .assertOk();
            assertThat(docker.run("volume", "inspect", "--format", "{{.Status.Node}}", ruled).assertOk().trimmed())
                    .isEqualTo("node3");

            DockerCli.engine("node1").run("volume", "create", twice).assertOk();
            DockerCli.engine("node3").run("volume", "create", twice).assertOk();
            assertThat(docker.run("volume", "ls", "--format", "{{.Name}}").assertOk().lines())
                    .contains("node1/" + twice, "node3/" + twice).doesNotContain(twice);
            DockerCli.Result ambiguous = docker.run("volume", "inspect", twice);
            assertThat(ambiguous.exit()).isNotZero();
            assertThat(ambiguous.err()).contains("exists on several nodes");
            docker.run("volume", "rm", "node3/" + twice).assertOk();
            assertThat(docker.run("volume", "inspect", "--format", "{{.Status.Node}}", twice).assertOk().trimmed())
                    .isEqualTo("node1");
        } finally {
            docker.run("volume", "rm", pinned);
            docker.run("volume", "rm", ruled);
            docker.run("volume", "rm", "node1/" + twice);
            docker.run("volume", "rm", "node3/" + twice);
        }
    }

    /** A new volume's name is given one node before any engine makes it: concurrent creates that name it agree. */
    @Test
    void concurrentCreatesOfOneNewVolumeNameLandOnOneNode() throws Exception {
        String volume = volumeName("race");
        java.util.List<String> runs = java.util.List.of(names.next("race"), names.next("race"), names.next("race"),
                names.next("race"));
        try {
            var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor();
            java.util.List<java.util.concurrent.Future<DockerCli.Result>> started = new java.util.ArrayList<>();
            for (String name : runs) {
                started.add(pool.submit(() -> docker.run("run", "-d", "--name", name, "-v", volume + ":/data",
                        "busybox", "sleep", "600")));
            }
            for (var f : started) {
                f.get().assertOk();
            }
            pool.shutdown();
            java.util.Set<String> nodes = new java.util.HashSet<>();
            runs.forEach(n -> nodes.add(nodeOf(n)));
            assertThat(nodes).as("nodes of the containers sharing %s", volume).hasSize(1);
            int holders = 0;
            for (String node : java.util.List.of("node1", "node2", "node3")) {
                if (DockerCli.engine(node).run("volume", "inspect", volume).exit() == 0) {
                    holders++;
                }
            }
            assertThat(holders).as("engines holding %s", volume).isEqualTo(1);
            // and a volume create of the same name, at once, answers that node (dockerd: create is idempotent)
            assertThat(docker.run("volume", "create", volume).assertOk().trimmed()).isEqualTo(volume);
            assertThat(docker.run("volume", "inspect", "--format", "{{.Status.Node}}", volume).assertOk().trimmed())
                    .isEqualTo(nodes.iterator().next());
        } finally {
            for (String name : runs) {
                docker.run("rm", "-f", name);
            }
            docker.run("volume", "rm", volume);
        }
    }
}
