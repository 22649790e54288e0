package dev.shoal.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Endpoints beyond run/ps through the manager (issue 7, first slice): node filters, prune and df over every node,
 * commit/save/cp/diff on the right node, and swarm-mode, plugin and network calls refused at once with a message.
 */
class ClusterApiIT {
    private final DockerCli docker = DockerCli.lab();
    @RegisterExtension
    final ContainerNames names = new ContainerNames(docker);
    @TempDir
    Path dir;

    private String nodeOf(String ref) {
        return docker.run("inspect", "--format", "{{.Node.Name}}", ref).assertOk().trimmed();
    }

    @Test
    void theNodeFilterPicksNodes() {
        String a = names.next("on1");
        String b = names.next("on2");
        docker.run("run", "-d", "--name", a, "-e", "constraint:node==node1", "busybox", "sleep", "600").assertOk();
        docker.run("run", "-d", "--name", b, "-e", "constraint:node==node2", "busybox", "sleep", "600").assertOk();

        assertThat(docker.run("ps", "--filter", "node=node2", "--format", "{{.Names}}").assertOk().lines())
                .contains("node2/" + b).noneMatch(n -> !n.startsWith("node2/"));
        assertThat(docker.run("ps", "--filter", "node=node1", "--filter", "name=" + a, "--format", "{{.Names}}")
                .assertOk().lines()).containsExactly("node1/" + a);
        assertThat(docker.run("images", "--filter", "node=node3", "--format", "{{.Repository}}").assertOk().lines())
                .contains("busybox");
    }

    @Test
    void containerPruneAndSystemDfCoverEveryNode() {
        String label = "shoal.test.prune=" + UUID.randomUUID();
        for (String node : new String[] {"node1", "node2", "node3"}) {
            docker.run("run", "--name", names.next("stopped"), "--label", label, "-e", "constraint:node==" + node,
                    "busybox", "true").assertOk();
        }
        DockerCli.Result pruned = docker.run("container", "prune", "-f", "--filter", "label=" + label).assertOk();
        assertThat(pruned.lines().stream().filter(l -> l.matches("[0-9a-f]{64}"))).hasSize(3);
        assertThat(docker.run("ps", "-a", "-q", "--filter", "label=" + label).assertOk().trimmed()).isEmpty();

        String df = docker.run("system", "df").assertOk().out();
        assertThat(df).containsPattern("(?m)^Images\\s+\\d+").containsPattern("(?m)^Containers\\s+\\d+");
        assertThat(docker.run("image", "prune", "-f").assertOk().out()).contains("Total reclaimed space");
    }

    @Test
    void commitKeepsTheImageOnItsNodeAndARunOfItLandsThere() {
        String source = names.next("commit-src");
        docker.run("run", "--name", source, "busybox", "sh", "-c", "echo committed > /marker").assertOk();
        String node = nodeOf(source);
        String image = "shoal-it-commit-" + UUID.randomUUID().toString().substring(0, 8);
        String user = names.next("commit-run");
        try {
            docker.run("commit", source, image).assertOk();
            assertThat(docker.run("images", "--filter", "node=" + node, "--format", "{{.Repository}}").assertOk()
                    .lines()).contains(image);
            DockerCli.Result r = docker.run("run", "--name", user, image, "cat", "/marker").assertOk();
            assertThat(r.trimmed()).isEqualTo("committed");
            assertThat(nodeOf(user)).isEqualTo(node);
        } finally {
            docker.run("rm", "-f", source, user);
            docker.run("rmi", "-f", image);
        }
    }

    @Test
    void buildRunsWhereTheSchedulerSaysAndTheImageStaysThere() throws Exception {
        Files.writeString(dir.resolve("Dockerfile"), "FROM busybox\nRUN echo built-here > /built.txt\n"
                + "CMD [\"cat\", \"/built.txt\"]\n");
        String image = "shoal-it-build-" + UUID.randomUUID().toString().substring(0, 8);
        String user = names.next("built");
        try {
            docker.run(Duration.ofSeconds(120), null, "build", "-t", image, "--build-arg", "constraint:node==node2",
                    dir.toString()).assertOk();
            assertThat(docker.run("images", "--filter", "node=node2", "--format", "{{.Repository}}").assertOk()
                    .lines()).contains(image);
            assertThat(docker.run("images", "--filter", "node=node1", "--format", "{{.Repository}}").assertOk()
                    .lines()).doesNotContain(image);
            assertThat(docker.run("run", "--name", user, image).assertOk().trimmed()).isEqualTo("built-here");
            assertThat(nodeOf(user)).isEqualTo("node2");

            DockerCli.Result nowhere = docker.run(Duration.ofSeconds(60), null, "build", "-t", image + "-x",
                    "--build-arg", "constraint:node==node9", dir.toString());
            assertThat(nowhere.exit()).isNotZero();
            assertThat(nowhere.err() + nowhere.out()).contains("Unable to find a node that satisfies",
                    "[node==node9]");
            assertThat(docker.run("images", "--format", "{{.Repository}}").assertOk().lines())
                    .doesNotContain(image + "-x");
        } finally {
            docker.run("rm", "-f", user);
            docker.run("rmi", "-f", image);
        }
    }

    @Test
    void buildFollowsAContainerAffinity() throws Exception {
        Files.writeString(dir.resolve("Dockerfile"), "FROM busybox\nRUN echo near > /near.txt\n");
        String image = "shoal-it-near-" + UUID.randomUUID().toString().substring(0, 8);
        String anchor = names.next("anchor");
        try {
            docker.run("run", "-d", "--name", anchor, "-e", "constraint:node==node3", "busybox", "sleep", "600")
                    .assertOk();
            docker.run(Duration.ofSeconds(120), null, "build", "-q", "-t", image, "--build-arg",
                    "affinity:container==" + anchor, dir.toString()).assertOk();
            assertThat(docker.run("images", "--filter", "node=node3", "--format", "{{.Repository}}").assertOk()
                    .lines()).contains(image);
            assertThat(docker.run("images", "--filter", "reference=" + image, "--format", "{{.Repository}}")
                    .assertOk().lines()).as("on that node only").containsExactly(image);
        } finally {
            docker.run("rmi", "-f", image);
        }
    }

    @Test
    void saveJoinsImagesHeldOnDifferentNodesIntoOneArchive() throws Exception {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        String a = "shoal-it-save-a-" + tag;
        String b = "shoal-it-save-b-" + tag;
        String srcA = names.next("save-src");
        String srcB = names.next("save-src");
        try {
            docker.run("run", "--name", srcA, "-e", "constraint:node==node1", "busybox", "sh", "-c",
                    "echo a > /which").assertOk();
            docker.run("run", "--name", srcB, "-e", "constraint:node==node2", "busybox", "sh", "-c",
                    "echo b > /which").assertOk();
            docker.run("commit", srcA, a).assertOk();
            docker.run("commit", srcB, b).assertOk();
            Path archive = dir.resolve("both.tar");
            docker.run("save", "-o", archive.toString(), a, b).assertOk();

            // one engine that had neither loads the joined archive and has both, each whole
            DockerCli node3 = DockerCli.engine("node3");
            node3.run("load", "-i", archive.toString()).assertOk();
            assertThat(node3.run("run", "--rm", a, "cat", "/which").assertOk().trimmed()).isEqualTo("a");
            assertThat(node3.run("run", "--rm", b, "cat", "/which").assertOk().trimmed()).isEqualTo("b");
        } finally {
            docker.run("rm", "-f", srcA, srcB);
            docker.run("rmi", "-f", a, b);
        }
    }

    @Test
    void exportThenImportMakesARunnableImage() throws Exception {
        String source = names.next("export-src");
        docker.run("run", "--name", source, "busybox", "sh", "-c", "echo exported > /marker").assertOk();
        Path tar = dir.resolve("rootfs.tar");
        docker.run("export", "-o", tar.toString(), source).assertOk();
        assertThat(Files.size(tar)).isGreaterThan(100_000);
        String image = "shoal-it-import-" + UUID.randomUUID().toString().substring(0, 8);
        String user = names.next("import-run");
        try {
            docker.run("import", tar.toString(), image).assertOk();
            assertThat(docker.run("run", "--name", user, image, "cat", "/marker").assertOk().trimmed())
                    .isEqualTo("exported");
        } finally {
            docker.run("rm", "-f", user);
            docker.run("rmi", "-f", image);
        }
    }

    @Test
    void aSecondClientAttachesToARunningContainer() {
        String name = names.next("ticker");
        docker.run("run", "-d", "--name", name, "busybox", "sh", "-c",
                "while true; do echo tick; sleep 0.2; done").assertOk();
        try (DockerCli.Running attached = docker.start("attach", "--no-stdin", name)) {
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(100))
                    .until(() -> attached.outSoFar().contains("tick\ntick"));
        }
    }

    @Test
    void copyDiffAndSaveReachTheRightNode() throws Exception {
        String name = names.next("cp");
        docker.run("run", "-d", "--name", name, "-e", "constraint:node==node3", "busybox", "sleep", "600").assertOk();
        Path local = dir.resolve("hello.txt");
        Files.writeString(local, "from the host\n");
        docker.run("cp", local.toString(), name + ":/tmp/hello.txt").assertOk();
        assertThat(docker.run("exec", name, "cat", "/tmp/hello.txt").assertOk().out()).isEqualTo("from the host\n");
        docker.run("exec", name, "sh", "-c", "echo back > /tmp/back.txt").assertOk();
        docker.run("cp", name + ":/tmp/back.txt", dir.toString()).assertOk();
        assertThat(Files.readString(dir.resolve("back.txt"))).isEqualTo("back\n");
        assertThat(docker.run("diff", name).assertOk().lines()).contains("A /tmp/hello.txt");

        // a streamed upload to a container that does not exist is refused at once (the CLI words it as it does
        // against one engine), and the manager keeps serving
        DockerCli.Result missing = docker.run(Duration.ofSeconds(20), null, "cp", local.toString(),
                "no-such-" + name + ":/tmp/");
        assertThat(missing.exit()).isNotZero();
        assertThat(missing.err()).contains("no such directory");
        assertThat(docker.run("exec", name, "cat", "/tmp/hello.txt").assertOk().out()).isEqualTo("from the host\n");

        Path archive = dir.resolve("images.tar");
        docker.run("save", "-o", archive.toString(), "busybox", "hello-world").assertOk();
        assertThat(Files.size(archive)).isGreaterThan(100_000);
    }

    @Test
    void swarmModeAndPluginsAreRefusedAtOnceWithTheReason() {
        DockerCli.Result nodes = docker.run(Duration.ofSeconds(10), null, "node", "ls");
        assertThat(nodes.exit()).isNotZero();
        assertThat(nodes.err()).contains("not a swarm manager", "swarm mode");

        DockerCli.Result plugins = docker.run(Duration.ofSeconds(10), null, "plugin", "ls");
        assertThat(plugins.exit()).isNotZero();
        assertThat(plugins.err()).contains("plugins are not supported by Shoal");

        DockerCli.Result services = docker.run(Duration.ofSeconds(10), null, "service", "ls");
        assertThat(services.exit()).isNotZero();
        assertThat(services.err()).contains("not a swarm manager");
    }
}
