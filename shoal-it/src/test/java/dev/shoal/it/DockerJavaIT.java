package dev.shoal.it;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerResponse;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.Info;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A docker-java program (API 1.41, zerodep transport on the manager's unix socket) drives the cluster. */
class DockerJavaIT {
    private static final List<String> NODES = List.of("node1", "node2", "node3");
    private static DockerClient client;

    @BeforeAll
    static void connect() {
        String host = SharedLab.ensureUp();
        var config = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(host).withApiVersion("1.41").build();
        var http = new ZerodepDockerHttpClient.Builder()
                .dockerHost(URI.create(host))
                .connectionTimeout(Duration.ofSeconds(5))
                .responseTimeout(Duration.ofSeconds(60))
                .build();
        client = DockerClientImpl.getInstance(config, http);
    }

    @AfterAll
    static void close() throws Exception {
        if (client != null) client.close();
    }

    @Test
    void pingAndInfo() {
        client.pingCmd().exec();
        Info info = client.infoCmd().exec();
        assertThat(info.getServerVersion()).startsWith("shoal/");
        assertThat(info.getSystemStatus()).isNotNull();
        List<List<?>> status = info.getSystemStatus().stream().<List<?>>map(p -> (List<?>) p).toList();
        assertThat(status).contains(List.of("Nodes", "3"));
        for (String n : NODES) {
            assertThat(status).anySatisfy(pair -> assertThat(pair.get(0)).isEqualTo(" " + n));
        }
        assertThat(info.getNCPU()).isPositive();
        assertThat(info.getMemTotal()).isPositive();
    }

    @Test
    void containersSpreadOverNodesAndGoAway() {
        String prefix = "dj-" + UUID.randomUUID().toString().substring(0, 8);
        // spread places each container on the node with the fewest containers (of those the manager placed,
        // labelled com.docker.swarm.id): fill the gaps first, so that the last three land on three different nodes
        Map<String, Integer> counts = new TreeMap<>();
        NODES.forEach(n -> counts.put(n, 0));
        for (Container c : client.listContainersCmd().withShowAll(true).exec()) {
            // pending containers (no node yet: no NODE/ in the name) hold no place
            if (c.getLabels() != null && c.getLabels().containsKey("com.docker.swarm.id")
                    && c.getNames()[0].indexOf('/', 1) > 0) {
                counts.merge(nodeOf(c), 1, Integer::sum);
            }
        }
        int max = counts.values().stream().max(Comparator.naturalOrder()).orElse(0);
        int fill = counts.values().stream().mapToInt(c -> max - c).sum();
        List<String> ids = new ArrayList<>();
        List<String> names = new ArrayList<>();
        try {
            for (int i = 0; i < fill + 3; i++) {
                String name = prefix + "-" + i;
                CreateContainerResponse created = client.createContainerCmd("busybox")
                        .withName(name).withCmd("sleep", "300").exec();
                ids.add(created.getId());
                names.add(name);
            }
            List<String> last3 = ids.subList(ids.size() - 3, ids.size());
            Set<String> nodes = new HashSet<>();
            for (String id : last3) {
                client.startContainerCmd(id).exec();
                InspectContainerResponse inspect = client.inspectContainerCmd(id).exec();
                assertThat(inspect.getState().getRunning()).isTrue();
                assertThat(inspect.getNode()).as("Node in inspect of %s", id).isNotNull();
                assertThat(inspect.getNode().getName()).isIn(NODES);
                assertThat(inspect.getNode().getAddr()).endsWith(":4243");
                nodes.add(inspect.getNode().getName());
                // the node the manager names really runs it
                assertThat(DockerCli.engine(inspect.getNode().getName())
                        .run("inspect", "--format", "{{.State.Running}}", id).assertOk().trimmed()).isEqualTo("true");
            }
            assertThat(nodes).as("nodes of the last three containers").containsExactlyInAnyOrderElementsOf(NODES);

            List<Container> running = client.listContainersCmd().withNameFilter(List.of(prefix)).exec();
            assertThat(running).extracting(Container::getId).containsAll(last3);
            for (Container c : running) {
                if (last3.contains(c.getId())) {
                    assertThat(c.getNames()[0]).matches("/node[123]/" + prefix + "-\\d+");
                }
            }

            for (String id : last3) {
                client.stopContainerCmd(id).withTimeout(1).exec();
                assertThat(client.inspectContainerCmd(id).exec().getState().getRunning()).isFalse();
            }
            for (String id : ids) {
                client.removeContainerCmd(id).exec();
            }
            assertThat(client.listContainersCmd().withShowAll(true).withNameFilter(List.of(prefix)).exec()).isEmpty();
            assertThatThrownBy(() -> client.inspectContainerCmd(last3.get(0)).exec()).isInstanceOf(NotFoundException.class);
            ids.clear();
        } finally {
            for (String id : ids) {
                try {
                    client.removeContainerCmd(id).withForce(true).exec();
                } catch (RuntimeException ignored) {
                    // already gone
                }
            }
        }
    }

    private static String nodeOf(Container c) {
        String n = c.getNames()[0];
        return n.substring(1, n.indexOf('/', 1));
    }
}
