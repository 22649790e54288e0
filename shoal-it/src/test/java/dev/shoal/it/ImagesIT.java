package dev.shoal.it;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** docker images / image inspect / tag / rmi / load / run through the manager, checked against each engine. */
class ImagesIT {
    private static final List<String> NODES = List.of("node1", "node2", "node3");
    private static DockerCli docker;

    @BeforeAll
    static void lab() {
        docker = DockerCli.lab();
    }

    private static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static boolean hasImage(String node, String ref) {
        return DockerCli.engine(node).run("image", "inspect", "--format", "{{.Id}}", ref).exit() == 0;
    }

    @Test
    void imagesListsEachImageIdOnce() {
        List<String> ids = docker.run("images", "-q", "--no-trunc").assertOk().lines();
        assertThat(ids).isNotEmpty().doesNotHaveDuplicates();
        for (String n : NODES) {
            assertThat(ids).containsAll(DockerCli.engine(n).run("images", "-q", "--no-trunc").assertOk().lines());
        }
    }

    /**
     * The seed images are the same images on every node, so they are listed once. (The manager groups by image
     * ID, as classic Swarm did: this holds only when the lab seeds identical images, not one import per node.)
     */
    @Test
    void imagesListsSeedImagesOnce() {
        List<String> refs = docker.run("images", "--format", "{{.Repository}}:{{.Tag}}").assertOk().lines();
        String ids = String.join(", ", NODES.stream().map(n -> n + "=" + DockerCli.engine(n)
                .run("image", "inspect", "--format", "{{.Id}}", "busybox").trimmed()).toList());
        assertThat(refs).as("busybox rows; busybox IDs per node: %s", ids).filteredOn("busybox:latest"::equals).hasSize(1);
        assertThat(refs).filteredOn("hello-world:latest"::equals).hasSize(1);
    }

    @Test
    void imageInspectFindsBusybox() {
        DockerCli.Result r = docker.run("image", "inspect", "--format", "{{.Id}} {{json .RepoTags}}", "busybox").assertOk();
        assertThat(r.trimmed()).startsWith("sha256:").contains("\"busybox:latest\"");
        assertThat(docker.run("image", "inspect", "busybox").assertOk().out()).contains("\"RepoTags\"");
    }

    @Test
    void tagAndRmiApplyOnEveryNodeHoldingTheImage() {
        String ref = unique("myorg/tool") + ":1";
        List<String> holders = NODES.stream().filter(n -> hasImage(n, "busybox")).toList();
        assertThat(holders).isNotEmpty();
        try {
            docker.run("tag", "busybox", ref).assertOk();
            for (String n : holders) {
                assertThat(hasImage(n, ref)).as("%s on %s", ref, n).isTrue();
            }
            assertThat(docker.run("images", "--format", "{{.Repository}}:{{.Tag}}").assertOk().lines()).contains(ref);

            DockerCli.Result rmi = docker.run("rmi", ref).assertOk();
            assertThat(rmi.out()).contains("Untagged: " + ref);
            for (String n : NODES) {
                assertThat(hasImage(n, ref)).as("%s on %s after rmi", ref, n).isFalse();
            }
            assertThat(docker.run("images", "--format", "{{.Repository}}:{{.Tag}}").assertOk().lines()).doesNotContain(ref);
        } finally {
            for (String n : NODES) DockerCli.engine(n).run("rmi", ref);
        }
    }

    @Test
    void loadReachesEveryNode(@TempDir Path dir) {
        String ref = unique("shoal-it/loaded") + ":1";
        DockerCli node1 = DockerCli.engine("node1");
        Path tar = dir.resolve("image.tar");
        try {
            node1.run("tag", "busybox", ref).assertOk();
            node1.run("save", "-o", tar.toString(), ref).assertOk();
            node1.run("rmi", ref).assertOk();
            for (String n : NODES) assertThat(hasImage(n, ref)).as("%s on %s before load", ref, n).isFalse();

            DockerCli.Result load = docker.run("load", "-i", tar.toString()).assertOk();
            assertThat(load.out()).contains("Loaded image: " + ref);
            for (String n : NODES) {
                assertThat(hasImage(n, ref)).as("%s on %s after load", ref, n).isTrue();
            }
        } finally {
            docker.run("rmi", ref);
            for (String n : NODES) DockerCli.engine(n).run("rmi", ref);
        }
    }

    @Test
    void runLandsOnTheOnlyNodeWithTheImage() {
        String ref = unique("shoal-it/only2") + ":1";
        String name = unique("img-only2");
        DockerCli node2 = DockerCli.engine("node2");
        try {
            node2.run("tag", "busybox", ref).assertOk();
            DockerCli.Result r = docker.run("run", "--rm", "--name", name, ref, "echo", "x").assertOk();
            assertThat(r.trimmed()).isEqualTo("x");

            // and placement really is node2: a kept container shows there, on node2's engine
            String id = docker.run("run", "-d", "--name", name + "-kept", ref, "true").assertOk().trimmed();
            assertThat(docker.run("inspect", "--format", "{{.Node.Name}}", id).assertOk().trimmed()).isEqualTo("node2");
            assertThat(node2.run("inspect", "--format", "{{.Name}}", id).assertOk().trimmed()).isEqualTo("/" + name + "-kept");
            assertThat(docker.run("ps", "-a", "--filter", "name=" + name + "-kept", "--format", "{{.Names}}")
                    .assertOk().trimmed()).isEqualTo("node2/" + name + "-kept");
        } finally {
            docker.run("rm", "-f", name, name + "-kept");
            node2.run("rmi", ref);
        }
    }

    @Test
    void runOfAnImageOnNoNodeFailsFastAndLeavesNothing() {
        String name = unique("img-none");
        long t0 = System.nanoTime();
        DockerCli.Result r = docker.run(Duration.ofSeconds(30), null, "run", "--name", name, "nosuchimage-xyz");
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        try {
            assertThat(r.exit()).isNotZero();
            assertThat(took).isLessThan(Duration.ofSeconds(15));
            assertThat(r.err()).contains("Unable to find image 'nosuchimage-xyz:latest'");
            assertThat(r.err()).containsPattern("docker: .*\\S");
            assertThat(docker.run("ps", "-a", "--filter", "name=" + name, "-q").assertOk().lines()).isEmpty();
            assertThat(docker.run("images", "-q", "nosuchimage-xyz").assertOk().lines()).isEmpty();
            for (String n : NODES) {
                assertThat(DockerCli.engine(n).run("ps", "-a", "-q", "--filter", "name=" + name).assertOk().lines())
                        .as("containers named %s on %s", name, n).isEmpty();
            }
        } finally {
            docker.run("rm", "-f", name);
        }
    }

    @Test
    void rmiOfAnUnknownImageIs404() {
        DockerCli.Result r = docker.run("rmi", "nosuchimage-xyz:9");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).contains("Error response from daemon: No such image: nosuchimage-xyz:9");
        DockerCli.Result inspect = docker.run("image", "inspect", "nosuchimage-xyz:9");
        assertThat(inspect.exit()).isEqualTo(1);
        assertThat(inspect.err()).containsIgnoringCase("No such image");
        DockerCli.Result tag = docker.run("tag", "nosuchimage-xyz:9", "whatever/x:1");
        assertThat(tag.exit()).isEqualTo(1);
        assertThat(tag.err()).contains("No such image: nosuchimage-xyz:9");
    }

    @Test
    void imagesQuietListsIdsAndFiltersWork() {
        List<String> ids = docker.run("images", "-q", "busybox").assertOk().lines();
        List<String> own = new ArrayList<>();
        for (String n : NODES) own.addAll(DockerCli.engine(n).run("images", "-q", "busybox").assertOk().lines());
        assertThat(ids).isNotEmpty().allSatisfy(id -> assertThat(own).contains(id));
    }
}
