package dev.shoal.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Local networks as one big host: made on every node, listed once, removed everywhere or not at all. */
class NetworksIT {
    private static final List<String> NODES = List.of("node1", "node2", "node3");
    private final DockerCli docker = DockerCli.lab();
    @RegisterExtension
    final ContainerNames names = new ContainerNames(docker);

    private static String networkName(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static boolean onEngine(String node, String network) {
        return DockerCli.engine(node).run("network", "inspect", network).exit() == 0;
    }

    @Test
    void aNetworkExistsOnEveryNodeAndContainersUseItWhereverTheyLand() {
        String net = networkName("app");
        try {
            docker.run("network", "create", net).assertOk();
            assertThat(NODES).allMatch(n -> onEngine(n, net));
            List<String> listed = docker.run("network", "ls", "--format", "{{.Name}}").assertOk().lines();
            assertThat(listed.stream().filter(net::equals)).hasSize(1);
            assertThat(listed).contains("node1/bridge", "node2/host", "node3/none");

            Set<String> nodes = new HashSet<>();
            for (int i = 0; i < 3; i++) {
                String c = names.next("on-net");
                docker.run("run", "-d", "--name", c, "--net", net, "busybox", "sleep", "600").assertOk();
                nodes.add(docker.run("inspect", "--format", "{{.Node.Name}}", c).assertOk().trimmed());
            }
            assertThat(nodes).hasSize(3);
            assertThat(docker.run("network", "inspect", "--format", "{{len .Containers}}", net).assertOk().trimmed())
                    .isEqualTo("3");

            DockerCli.Result inUse = docker.run("network", "rm", net);
            assertThat(inUse.exit()).isNotZero();
            assertThat(inUse.err()).contains("has active endpoints");
            assertThat(NODES).as("nothing half-done").allMatch(n -> onEngine(n, net));

            names.afterEach(null); // the containers go
            docker.run("network", "rm", net).assertOk();
            assertThat(NODES).noneMatch(n -> onEngine(n, net));
            assertThat(docker.run("network", "ls", "--format", "{{.Name}}").assertOk().lines()).doesNotContain(net);
        } finally {
            docker.run("network", "rm", net);
        }
    }

    @Test
    void pruneRemovesUnusedNetworksEverywhereAndKeepsUsedOnes() {
        String unused = networkName("unused");
        String used = networkName("used");
        try {
            docker.run("network", "create", unused).assertOk();
            docker.run("network", "create", used).assertOk();
            String c = names.next("user");
            docker.run("run", "-d", "--name", c, "--net", used, "busybox", "sleep", "600").assertOk();

            String out = docker.run("network", "prune", "-f").assertOk().out();
            assertThat(out).contains(unused).doesNotContain(used);
            assertThat(NODES).noneMatch(n -> onEngine(n, unused));
            assertThat(NODES).allMatch(n -> onEngine(n, used));
        } finally {
            names.afterEach(null);
            docker.run("network", "rm", unused);
            docker.run("network", "rm", used);
        }
    }

    @Test
    void aNodeThatLostItsCopyGetsItBack() {
        String net = networkName("heal");
        try {
            docker.run("network", "create", "--label", "team=x", net).assertOk();
            DockerCli.engine("node2").run("network", "rm", net).assertOk();
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250))
                    .until(() -> onEngine("node2", net));
        } finally {
            docker.run("network", "rm", net);
        }
    }

    @Test
    void aNodeThatComesBackAfterTheNetworkWasMadeGetsItToo() {
        String net = networkName("late");
        try {
            assertThat(SharedLab.shoal("lab", "cut", "node3").exit()).isZero();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> assertThat(nodeStatus("node3")).isEqualTo("Unhealthy"));
            docker.run("network", "create", net).assertOk();
            assertThat(onEngine("node3", net)).as("node3 is cut off").isFalse();

            assertThat(SharedLab.shoal("lab", "heal", "node3").exit()).isZero();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                    .until(() -> onEngine("node3", net));
            assertThat(docker.run("network", "ls", "--filter", "name=" + net, "--format", "{{.Name}}").assertOk()
                    .lines()).as("still listed once").containsExactly(net);
        } finally {
            SharedLab.shoal("lab", "heal", "node3");
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .untilAsserted(() -> assertThat(nodeStatus("node3")).isEqualTo("Healthy"));
            docker.run("network", "rm", net);
        }
    }

    /** The node's status as {@code docker info} shows it (classic Swarm's per-node lines). */
    private String nodeStatus(String node) {
        List<String> lines = docker.run("info").lines();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).trim().startsWith(node + ":")) {
                for (int j = i + 1; j < lines.size() && j < i + 4; j++) {
                    String line = lines.get(j).trim();
                    if (line.startsWith("└ Status:")) {
                        return line.substring("└ Status:".length()).trim();
                    }
                }
            }
        }
        return "";
    }

    @Test
    void connectAndDisconnectActOnTheContainersNode() {
        String net = networkName("late");
        try {
            docker.run("network", "create", net).assertOk();
            String c = names.next("joiner");
            docker.run("run", "-d", "--name", c, "busybox", "sleep", "600").assertOk();
            docker.run("network", "connect", net, c).assertOk();
            assertThat(docker.run("inspect", "--format", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}",
                    c).assertOk().out()).contains(net);
            docker.run("network", "disconnect", net, c).assertOk();
            assertThat(docker.run("inspect", "--format", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}",
                    c).assertOk().out()).doesNotContain(net);
        } finally {
            names.afterEach(null);
            docker.run("network", "rm", net);
        }
    }

    @Test
    void eachEnginesOwnNetworksAreAddressedByNodeAndOverlayIsRefused() {
        assertThat(docker.run("network", "inspect", "--format", "{{.Driver}}", "node2/bridge").assertOk().trimmed())
                .isEqualTo("bridge");
        DockerCli.Result ambiguous = docker.run("network", "inspect", "bridge");
        assertThat(ambiguous.exit()).isNotZero();
        assertThat(ambiguous.err()).contains("exists on several nodes", "NODE/bridge");

        DockerCli.Result overlay = docker.run("network", "create", "-d", "overlay", networkName("ov"));
        assertThat(overlay.exit()).isNotZero();
        assertThat(overlay.err()).contains("overlay networks are not supported by Shoal yet");
    }
}
