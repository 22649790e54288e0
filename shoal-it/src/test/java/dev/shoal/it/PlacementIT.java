package dev.shoal.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Where containers land (spread over the nodes) and that what they publish is reachable on that node. */
class PlacementIT {
    private static final List<String> NODES = List.of("node1", "node2", "node3");

    private final DockerCli docker = DockerCli.lab();
    @RegisterExtension
    final ContainerNames names = new ContainerNames(docker);

    /** A container name no other test uses; removed after the test. */
    private String name(String prefix) {
        return names.next(prefix);
    }

    private String nodeOf(String ref) {
        return docker.run("inspect", "--format", "{{.Node.Name}}", ref).assertOk().trimmed();
    }

    @Test
    void helloWorldThreeTimesLandsOnThreeNodes() {
        levelTheNodes();

        Set<String> nodes = new HashSet<>();
        for (int i = 0; i < 3; i++) {
            String name = name("hello");
            DockerCli.Result r = docker.run("run", "--name", name, "hello-world").assertOk();
            assertThat(r.out()).contains("Hello from Docker!");
            nodes.add(nodeOf(name));
            // the CLI's own view agrees with inspect
            assertThat(docker.run("ps", "-a", "--filter", "name=" + name, "--format", "{{.Names}}").assertOk().trimmed())
                    .isEqualTo(nodeOf(name) + "/" + name);
        }
        assertThat(nodes).containsExactlyInAnyOrderElementsOf(NODES);
    }

    /**
     * Spread puts a container on the node with the fewest; other tests share the lab, so first bring every node to
     * the same count of cluster containers (those carrying com.docker.swarm.id) with short-lived fillers.
     */
    private void levelTheNodes() {
        Map<String, Integer> counts = clusterContainersPerNode();
        int max = counts.values().stream().mapToInt(Integer::intValue).max().orElse(0);
        int missing = counts.values().stream().mapToInt(c -> max - c).sum();
        for (int i = 0; i < missing; i++) {
            docker.run("run", "-d", "--name", name("filler"), "busybox", "true").assertOk();
        }
        assertThat(clusterContainersPerNode().values()).as("containers per node after levelling").containsOnly(max);
    }

    private Map<String, Integer> clusterContainersPerNode() {
        Map<String, Integer> counts = new TreeMap<>();
        NODES.forEach(n -> counts.put(n, 0));
        for (String name : docker.run("ps", "-a", "--filter", "label=com.docker.swarm.id", "--format", "{{.Names}}")
                .assertOk().lines()) {
            if (name.contains("/")) { // pending containers have no node yet
                counts.merge(name.substring(0, name.indexOf('/')), 1, Integer::sum);
            }
        }
        return counts;
    }

    @Test
    void aPublishedPortIsServedOnTheNodesAddress() throws Exception {
        String name = name("web");
        docker.run("run", "-d", "--name", name, "-p", "18088:80", "busybox", "sh", "-c",
                "mkdir -p /www && echo hello-from-$(hostname) > /www/index.html && httpd -f -p 80 -h /www").assertOk();
        String ip = docker.run("inspect", "--format", "{{.Node.IP}}", name).assertOk().trimmed();
        String hostname = docker.run("inspect", "--format", "{{.Config.Hostname}}", name).assertOk().trimmed();
        assertThat(ip).isEqualTo(dev.shoal.lab.LabLayout.HostLayout.parse(nodeOf(name)).address());

        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest get = HttpRequest.newBuilder(URI.create("http://" + ip + ":18088/"))
                .timeout(Duration.ofSeconds(5)).build();
        await("httpd to answer on " + ip + ":18088").atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .untilAsserted(() -> {
                    HttpResponse<String> res = http.send(get, HttpResponse.BodyHandlers.ofString());
                    assertThat(res.statusCode()).isEqualTo(200);
                    assertThat(res.body()).isEqualTo("hello-from-" + hostname + "\n");
                });
    }
}
