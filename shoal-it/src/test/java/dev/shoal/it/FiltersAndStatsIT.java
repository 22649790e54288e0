package dev.shoal.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The whole Docker API through the manager (issue 7): streaming stats over every node, {@code ps} filters
 * (health, volume, network, ancestor) and {@code images} filters (before, since, reference, label, -a) with containers and
 * images on different nodes, and {@code history}/{@code port} of what lives on one node.
 */
class FiltersAndStatsIT {
    private static final Duration BOUND = Duration.ofSeconds(60);

    private final DockerCli docker = DockerCli.lab();
    @RegisterExtension
    final ContainerNames names = new ContainerNames(docker);
    @TempDir
    Path dir;

    private static String tag() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    private void runOn(String node, String name, String... options) {
        List<String> args = new java.util.ArrayList<>(List.of("run", "-d", "--name", name,
                "-e", "constraint:node==" + node));
        args.addAll(List.of(options));
        args.addAll(List.of("busybox", "sleep", "600"));
        docker.run(args.toArray(String[]::new)).assertOk();
    }

    private List<String> ps(String... filters) {
        List<String> args = new java.util.ArrayList<>(List.of("ps", "-a", "--format", "{{.Names}}"));
        for (String f : filters) {
            args.add("--filter");
            args.add(f);
        }
        return docker.run(args.toArray(String[]::new)).assertOk().lines();
    }

    private static int count(String text, String word) {
        Matcher m = Pattern.compile(Pattern.quote(word)).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    // ---- stats --------------------------------------------------------------------------------------------

    @Test
    void statsStreamsUpdatesOfContainersOnEveryNode() {
        String a = names.next("stats1");
        String b = names.next("stats2");
        runOn("node1", a);
        runOn("node2", b);

        try (DockerCli.Running stats = docker.start("stats", "--format", "{{.Name}}")) {
            await("two updates of each container").atMost(BOUND).pollInterval(Duration.ofMillis(250))
                    .until(() -> count(stats.outSoFar(), a) >= 2 && count(stats.outSoFar(), b) >= 2);
        }
        assertThat(docker.run("stats", "--no-stream", "--format", "{{.Name}}").assertOk().lines())
                .contains(a, b);
    }

    // ---- ps filters ---------------------------------------------------------------------------------------

    @Test
    void psFiltersByHealthOverEveryNode() {
        String label = "it.health=" + tag();
        String healthy = names.next("healthy");
        String unhealthy = names.next("unhealthy");
        String starting = names.next("starting");
        String none = names.next("nocheck");
        runOn("node1", healthy, "--label", label, "--health-cmd", "true", "--health-interval", "1s");
        runOn("node2", unhealthy, "--label", label, "--health-cmd", "false", "--health-interval", "1s",
                "--health-retries", "1");
        runOn("node3", starting, "--label", label, "--health-cmd", "true", "--health-interval", "300s");
        runOn("node2", none, "--label", label);

        await("health checks to settle").atMost(BOUND).untilAsserted(() -> {
            assertThat(ps("label=" + label, "health=healthy")).containsExactly("node1/" + healthy);
            assertThat(ps("label=" + label, "health=unhealthy")).containsExactly("node2/" + unhealthy);
        });
        assertThat(ps("label=" + label, "health=starting")).containsExactly("node3/" + starting);
        assertThat(ps("label=" + label, "health=none")).containsExactly("node2/" + none);
        assertThat(ps("label=" + label, "health=healthy", "health=unhealthy"))
                .containsExactlyInAnyOrder("node1/" + healthy, "node2/" + unhealthy);
    }

    @Test
    void psFiltersByVolumeAndNetworkOverEveryNode() {
        String t = tag();
        String label = "it.scope=" + t;
        String network = "shoal-it-net-" + t;
        String volume = "shoal-it-vol-" + t;
        String onNet1 = names.next("net1");
        String onNet2 = names.next("net2");
        String off = names.next("offnet");
        String withVolume = names.next("withvol");
        try {
            docker.run("network", "create", network).assertOk();
            docker.run("volume", "create", volume).assertOk();
            runOn("node1", onNet1, "--label", label, "--net", network);
            runOn("node2", onNet2, "--label", label, "--net", network);
            runOn("node3", off, "--label", label);
            docker.run("run", "-d", "--name", withVolume, "--label", label, "-v", volume + ":/data",
                    "busybox", "sleep", "600").assertOk();
            String volumeNode = docker.run("inspect", "--format", "{{.Node.Name}}", withVolume).assertOk().trimmed();

            assertThat(ps("label=" + label, "network=" + network))
                    .containsExactlyInAnyOrder("node1/" + onNet1, "node2/" + onNet2);
            String networkId = docker.run("network", "inspect", "--format", "{{.Id}}", network).assertOk().trimmed();
            assertThat(ps("label=" + label, "network=" + networkId))
                    .containsExactlyInAnyOrder("node1/" + onNet1, "node2/" + onNet2);
            assertThat(ps("label=" + label, "network=" + network, "node=node2")).containsExactly("node2/" + onNet2);
            // one engine's own network, as network ls shows it: node/name (off and withVolume are on their bridges)
            java.util.function.Function<String, List<String>> onBridgeOf = node -> java.util.stream.Stream.of(
                    node.equals("node3") ? "node3/" + off : null,
                    node.equals(volumeNode) ? volumeNode + "/" + withVolume : null)
                    .filter(java.util.Objects::nonNull).toList();
            assertThat(ps("label=" + label, "network=node3/bridge"))
                    .containsExactlyInAnyOrderElementsOf(onBridgeOf.apply("node3"));
            assertThat(ps("label=" + label, "network=node1/bridge"))
                    .containsExactlyInAnyOrderElementsOf(onBridgeOf.apply("node1"));
            assertThat(ps("label=" + label, "network=node1/" + network)).containsExactly("node1/" + onNet1);
            List<String> mixed = new java.util.ArrayList<>(List.of("node1/" + onNet1, "node2/" + onNet2));
            mixed.addAll(onBridgeOf.apply("node3"));
            assertThat(ps("label=" + label, "network=node3/bridge", "network=" + network))
                    .containsExactlyInAnyOrderElementsOf(mixed);
            assertThat(ps("label=" + label, "volume=" + volume)).containsExactly(volumeNode + "/" + withVolume);
            assertThat(ps("label=" + label, "volume=/data")).containsExactly(volumeNode + "/" + withVolume);
            assertThat(ps("label=" + label, "volume=shoal-it-vol-none-" + t)).isEmpty();
        } finally {
            docker.run("rm", "-f", onNet1, onNet2, off, withVolume);
            docker.run("network", "rm", network);
            docker.run("volume", "rm", volume);
        }
    }

    // ---- images -------------------------------------------------------------------------------------------

    private void build(String image, String node, String label, String marker) throws Exception {
        Path ctx = Files.createDirectory(dir.resolve(image));
        Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox\nLABEL " + label + "\nRUN echo " + marker
                + " > /marker\n");
        docker.run(Duration.ofSeconds(120), null, "build", "-t", image, "--build-arg", "constraint:node==" + node,
                ctx.toString()).assertOk();
    }

    private List<String> images(String... args) {
        List<String> all = new java.util.ArrayList<>(List.of("images", "--format", "{{.Repository}}:{{.Tag}}"));
        all.addAll(List.of(args));
        return docker.run(all.toArray(String[]::new)).assertOk().lines();
    }

    @Test
    void imageListsAndFiltersMergeNodesHoldingDifferentImages() throws Exception {
        String t = tag();
        String label = "shoal.it.images=" + t;
        String older = "shoal-it-older-" + t;
        String newer = "shoal-it-newer-" + t;
        try {
            build(older, "node2", label, "older");
            build(newer, "node3", label, "newer");
            String byLabel = "label=" + label;

            assertThat(images("--filter", byLabel)).containsExactlyInAnyOrder(older + ":latest", newer + ":latest");
            // -a: each build's LABEL step left an intermediate image carrying the label too
            assertThat(images("-a", "--filter", byLabel)).containsExactlyInAnyOrder(
                    older + ":latest", newer + ":latest", "<none>:<none>", "<none>:<none>");
            assertThat(images("--filter", byLabel, "--filter", "node=node2")).containsExactly(older + ":latest");

            // before/since name an image only one node holds; the others' images are still judged by time
            assertThat(images("--filter", byLabel, "--filter", "before=" + newer)).containsExactly(older + ":latest");
            assertThat(images("-a", "--filter", byLabel, "--filter", "before=" + newer))
                    .containsExactlyInAnyOrder(older + ":latest", "<none>:<none>", "<none>:<none>");
            assertThat(images("--filter", byLabel, "--filter", "since=" + older)).containsExactly(newer + ":latest");
            assertThat(images("-a", "--filter", byLabel, "--filter", "since=" + older))
                    .containsExactlyInAnyOrder(newer + ":latest", "<none>:<none>");
            assertThat(images("--filter", byLabel, "--filter", "since=" + newer)).isEmpty();
            assertThat(images("--filter", byLabel, "--filter", "before=" + older)).isEmpty();
            assertThat(images("--filter", "since=" + older, "--filter", "before=" + newer, "--filter", byLabel))
                    .isEmpty();
            assertThat(images("--filter", "before=" + newer, "--filter", "reference=" + older))
                    .containsExactly(older + ":latest");
            DockerCli.Result missing = docker.run("images", "--filter", "before=shoal-it-missing-" + t);
            assertThat(missing.exit()).isNotZero();
            assertThat(missing.err()).contains("No such image");

            assertThat(images("--filter", "reference=shoal-it-*-" + t))
                    .containsExactlyInAnyOrder(older + ":latest", newer + ":latest");
            assertThat(images("--filter", "reference=" + newer + ":latest")).containsExactly(newer + ":latest");

            // history of an image one node holds
            List<String> history = docker.run("history", "--no-trunc", "--format", "{{.CreatedBy}}", older)
                    .assertOk().lines();
            assertThat(history.get(0)).contains("echo older > /marker");
            assertThat(history.get(1)).contains("LABEL " + label);
            assertThat(docker.run("history", "-q", newer).assertOk().lines()).isNotEmpty();
        } finally {
            docker.run("rmi", "-f", older, newer);
        }
    }

    // ---- ancestor -----------------------------------------------------------------------------------------

    @Test
    void psFiltersByAncestorOverEveryNode() {
        String t = tag();
        String label = "shoal.it.anc=" + t;
        String image = "shoal-it-anc-" + t;
        String source = names.next("anc-src");
        String plain = names.next("anc-plain");
        String derived = names.next("anc-derived");
        runOn("node2", source, "--label", label);
        docker.run("commit", source, image).assertOk(); // the image exists on node2 only
        try {
            runOn("node1", plain, "--label", label);
            docker.run("run", "-d", "--name", derived, "--label", label, image, "sleep", "600").assertOk();

            assertThat(ps("label=" + label, "ancestor=" + image)).containsExactly("node2/" + derived);
            assertThat(ps("label=" + label, "ancestor=busybox"))
                    .as("busybox and what was made from it, on both nodes")
                    .containsExactlyInAnyOrder("node2/" + source, "node1/" + plain, "node2/" + derived);
        } finally {
            docker.run("rm", "-f", derived);
            docker.run("rmi", "-f", image);
        }
    }

    // ---- port ---------------------------------------------------------------------------------------------

    @Test
    void portListsTheBindingsOfAContainerOnAnotherNode() {
        String name = names.next("port");
        runOn("node2", name, "-p", "80", "-p", "127.0.0.1::81/udp");
        String hostPort = docker.run("inspect", "--format", "{{(index (index .NetworkSettings.Ports \"80/tcp\") 0)"
                + ".HostPort}}", name).assertOk().trimmed();
        String udpPort = docker.run("inspect", "--format", "{{(index (index .NetworkSettings.Ports \"81/udp\") 0)"
                + ".HostPort}}", name).assertOk().trimmed();
        assertThat(hostPort).matches("\\d+");

        assertThat(docker.run("port", name).assertOk().lines())
                .contains("80/tcp -> 0.0.0.0:" + hostPort, "81/udp -> 127.0.0.1:" + udpPort);
        assertThat(docker.run("port", name, "80").assertOk().lines()).contains("0.0.0.0:" + hostPort);
        assertThat(docker.run("port", "node2/" + name, "81/udp").assertOk().lines())
                .containsExactly("127.0.0.1:" + udpPort);
    }
}
