package dev.shoal.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Network;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 13, "a client library sees one engine": answers through the manager that once differed from one engine's
 * (a client library's own suite passed 12 fewer tests through the manager), each compared with what one engine says.
 */
class OneEngineIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static DockerClient client;
    private final DockerCli docker = DockerCli.lab();
    @RegisterExtension
    final ContainerNames names = new ContainerNames(docker);

    @BeforeAll
    static void connect() {
        String host = SharedLab.ensureUp();
        var config = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(host).withApiVersion("1.41").build();
        var http = new ZerodepDockerHttpClient.Builder().dockerHost(URI.create(host))
                .connectionTimeout(Duration.ofSeconds(5)).responseTimeout(Duration.ofSeconds(60)).build();
        client = DockerClientImpl.getInstance(config, http);
    }

    @AfterAll
    static void close() throws Exception {
        if (client != null) client.close();
    }

    private static String tag() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    /** Item 1: an engine accepts a network name with a space; so does the manager. '/' is Shoal's NODE/NAME. */
    @Test
    void networkNamesAsAnEngineTakesThem() {
        String net = "one " + tag();
        try {
            String id = docker.run("network", "create", net).assertOk().trimmed();
            assertThat(docker.run("network", "inspect", "--format", "{{.Id}} {{.Name}}", net).assertOk().trimmed())
                    .isEqualTo(id + " " + net);
            assertThat(docker.run("network", "ls", "--format", "{{.Name}}").assertOk().lines()).contains(net);
            for (String node : List.of("node1", "node2", "node3")) {
                assertThat(DockerCli.engine(node).run("network", "inspect", net).exit()).as(node).isZero();
            }
            docker.run("network", "rm", net).assertOk();
            assertThat(docker.run("network", "ls", "--format", "{{.Name}}").assertOk().lines()).doesNotContain(net);
        } finally {
            docker.run("network", "rm", net);
        }
        DockerCli.Result slash = docker.run("network", "create", "a/" + tag());
        assertThat(slash.exit()).isNotZero();
        assertThat(slash.err()).contains("NODE/NAME");
        // as an engine: 403 for a predefined name (not the 409 "already exists" of the copies every node has)
        DockerCli.Result predefined = docker.run("network", "create", "bridge");
        assertThat(predefined.err()).contains("operation is not permitted on predefined bridge network");
    }

    /** Item 2: every network list filter the spec names answers over the merged list. */
    @Test
    void networkListFiltersSeeTheClusterNetworks() {
        String t = tag();
        String idle = "idle-" + t;
        String used = "used-" + t;
        try {
            String idleId = docker.run("network", "create", "--label", "it.one=" + t, idle).assertOk().trimmed();
            String usedId = docker.run("network", "create", used).assertOk().trimmed();
            docker.run("run", "-d", "--name", names.next("on-used"), "--net", used, "busybox", "sleep", "600")
                    .assertOk();

            assertThat(ls("id=" + idleId)).containsExactly(idle);
            assertThat(ls("id=" + idleId.substring(0, 12))).containsExactly(idle);
            assertThat(client.listNetworksCmd().withIdFilter(idleId).exec()).extracting(Network::getId)
                    .containsExactly(idleId);
            assertThat(ls("name=" + t)).containsExactlyInAnyOrder(idle, used);
            assertThat(ls("label=it.one=" + t)).containsExactly(idle);
            assertThat(ls("label=it.one")).contains(idle).doesNotContain(used);
            // dangling as the engine judges it (dockerd 20.10 counts every custom network as dangling, even in use)
            for (String value : List.of("true", "false")) {
                List<String> engine = DockerCli.engine("node1").run("network", "ls", "--filter", "dangling=" + value,
                        "--format", "{{.Name}}").assertOk().lines();
                List<String> ours = ls("dangling=" + value);
                for (String n : List.of(idle, used)) {
                    assertThat(ours.contains(n)).as("%s with dangling=%s", n, value).isEqualTo(engine.contains(n));
                }
                assertThat(ours.contains("node1/bridge")).as("node1/bridge with dangling=%s", value)
                        .isEqualTo(engine.contains("bridge"));
            }
            assertThat(ls("type=custom")).contains(idle, used).doesNotContain("node1/bridge");
            assertThat(ls("type=builtin")).contains("node1/bridge", "node3/none").doesNotContain(idle);
            assertThat(ls("driver=bridge")).contains(idle, used).doesNotContain("node1/host");
            assertThat(ls("scope=local")).contains(idle, used);
            assertThat(ls("name=node2/bridge")).containsExactly("node2/bridge");
            DockerCli.Result bad = docker.run("network", "ls", "--filter", "dangling=maybe");
            assertThat(bad.exit()).isNotZero();
            assertThat(bad.err()).contains("invalid value for filter 'dangling'");
            assertThat(usedId).isNotBlank();
        } finally {
            names.afterEach(null);
            docker.run("network", "rm", idle);
            docker.run("network", "rm", used);
        }
    }

    private List<String> ls(String filter) {
        return docker.run("network", "ls", "--filter", filter, "--format", "{{.Name}}").assertOk().lines();
    }

    /**
     * Item 2: after {@code network connect} (by name or ID, of a created or running container), the network's
     * container list and {@code ps --filter network=} include it, by name, ID or short ID, and the container shows
     * the network's cluster ID, as one engine shows its network's ID.
     */
    @Test
    void connectedContainersAreSeenThroughTheNetwork() {
        String net = "conn-" + tag();
        try {
            String netId = docker.run("network", "create", net).assertOk().trimmed();
            String created = names.next("created");
            String running = names.next("running");
            String createdId = docker.run("create", "--name", created, "busybox", "sleep", "600").assertOk().trimmed();
            String runningId = docker.run("run", "-d", "--name", running, "busybox", "sleep", "600").assertOk()
                    .trimmed();
            docker.run("network", "connect", netId, createdId).assertOk();
            client.connectToNetworkCmd().withNetworkId(netId).withContainerId(runningId).exec();

            assertThat(client.inspectNetworkCmd().withNetworkId(netId).exec().getContainers()).containsKey(runningId);
            assertThat(docker.run("network", "inspect", "--format",
                    "{{range $id, $c := .Containers}}{{$c.Name}} {{end}}", net).assertOk().trimmed())
                    .isEqualTo(running); // as on one engine: a created container has no endpoint yet
            for (String ref : List.of(net, netId, netId.substring(0, 12))) {
                assertThat(docker.run("ps", "-a", "--filter", "network=" + ref, "--format", "{{.ID}}").assertOk()
                        .lines()).as("ps -a --filter network=%s", ref)
                        .containsExactlyInAnyOrder(createdId.substring(0, 12), runningId.substring(0, 12));
            }
            assertThat(docker.run("inspect", "--format", "{{(index .NetworkSettings.Networks \"" + net
                    + "\").NetworkID}}", running).assertOk().trimmed()).isEqualTo(netId);
            docker.run("start", created).assertOk();
            assertThat(docker.run("network", "inspect", "--format", "{{len .Containers}}", netId).assertOk().trimmed())
                    .isEqualTo("2");
        } finally {
            names.afterEach(null);
            docker.run("network", "rm", net);
        }
    }

    /** Item 3: /info's counters are what the lists show. */
    @Test
    void infoCountsWhatTheListsShow() throws Exception {
        // an image of its own on node1 and on node2: the cluster holds more distinct images than any one node
        List<String> images = List.of("one-info-" + tag() + ":1", "one-info-" + tag() + ":2");
        try {
            for (int i = 0; i < 2; i++) {
                String c = names.next("counted");
                docker.run("run", "-d", "--name", c, "-e", "constraint:node==node" + (i + 1), "busybox", "sleep",
                        "600").assertOk();
                docker.run("commit", c, images.get(i)).assertOk();
            }
            docker.run("create", "--name", names.next("counted"), "busybox", "true").assertOk();
            countsAgree();
        } finally {
            names.afterEach(null);
            images.forEach(i -> docker.run("rmi", i));
        }
    }

    private void countsAgree() throws Exception {
        JsonNode info = JSON.readTree(docker.run("info", "--format", "{{json .}}").assertOk().out());
        Set<String> imageIds = new HashSet<>(docker.run("images", "-a", "-q", "--no-trunc").assertOk().lines());
        assertThat(info.path("Images").asInt()).isEqualTo(imageIds.size());
        List<String> all = docker.run("ps", "-a", "--format", "{{.State}}").assertOk().lines();
        assertThat(info.path("Containers").asInt()).isEqualTo(all.size());
        assertThat(info.path("ContainersRunning").asInt()).isEqualTo(all.stream().filter("running"::equals).count());
        assertThat(info.path("ContainersPaused").asInt()).isEqualTo(all.stream().filter("paused"::equals).count());
        assertThat(info.path("ContainersStopped").asInt()).isEqualTo(all.size()
                - info.path("ContainersRunning").asInt() - info.path("ContainersPaused").asInt());
    }

    /**
     * Item 4: a container the manager created is never silently missing from {@code ps -a}: while its node cannot
     * answer it is listed from the manager's record, as classic Swarm listed it ("Host Down").
     */
    @Test
    void aContainerOnANodeThatCannotAnswerIsStillListed() {
        String c = names.next("far");
        String id = docker.run("run", "-d", "--name", c, "-e", "constraint:node==node3", "busybox", "sleep", "600")
                .assertOk().trimmed();
        assertThat(docker.run("ps", "-a", "-q", "--no-trunc").assertOk().lines()).contains(id);
        try {
            assertThat(SharedLab.shoal("lab", "cut", "node3").exit()).isZero();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                    assertThat(docker.run(Duration.ofSeconds(30), null, "ps", "-a", "--no-trunc", "--filter",
                            "name=" + c, "--format", "{{.ID}} {{.Names}} {{.Status}}").assertOk().lines())
                            .containsExactly(id + " node3/" + c + " Host Down"));
            assertThat(docker.run(Duration.ofSeconds(30), null, "ps", "-a", "-q", "--no-trunc").assertOk().lines())
                    .contains(id);
        } finally {
            SharedLab.shoal("lab", "heal", "node3");
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() ->
                    docker.run("ps", "-a", "--filter", "name=" + c, "--format", "{{.Status}}").assertOk().trimmed()
                            .startsWith("Up"));
        }
    }

    /** Item 5: {@code volume create} answers the object {@code volume inspect} answers, as one engine does. */
    @Test
    void volumeCreateAnswersWhatInspectAnswers() throws Exception {
        String vol = "one-" + tag();
        try {
            JsonNode created = api("POST", "/volumes/create", "{\"Name\":\"" + vol + "\"}");
            JsonNode inspected = api("GET", "/volumes/" + vol, null);
            assertThat(created).isEqualTo(inspected);
            assertThat(created.path("Name").asText()).isEqualTo(vol);
            JsonNode listed = null;
            for (JsonNode v : api("GET", "/volumes", null).path("Volumes")) {
                if (v.path("Name").asText().equals(vol)) listed = v;
            }
            assertThat(listed).isEqualTo(inspected);
            // and the fields one engine answers are all there, with the engine's values
            String node = inspected.path("Node").path("Name").asText();
            JsonNode engine = JSON.readTree(DockerCli.engine(node).run("volume", "inspect", vol).assertOk().out())
                    .get(0);
            ObjectNode ours = inspected.deepCopy();
            ours.remove("Node");
            ours.remove("Status");
            ((ObjectNode) engine).remove("Status");
            assertThat((JsonNode) ours).isEqualTo(engine);
        } finally {
            docker.run("volume", "rm", vol);
        }
    }

    /** One call to the manager's API, as raw JSON. */
    private JsonNode api(String method, String path, String body) throws Exception {
        String socket = docker.host().substring("unix://".length());
        List<String> args = new java.util.ArrayList<>(List.of("-s", "--unix-socket", socket, "-X", method));
        if (body != null) {
            args.addAll(List.of("-H", "Content-Type: application/json", "-d", body));
        }
        args.add("http://shoal/v1.41" + path);
        return JSON.readTree(docker.runProgram(Duration.ofSeconds(30), "curl", args.toArray(String[]::new))
                .assertOk().out());
    }

    /** Item 6: {@code docker build --network} with a cluster network, by name or ID; the image is then found. */
    @Test
    void buildOnAClusterNetworkByNameOrId() throws Exception {
        String net = "build-" + tag();
        Path ctx = Files.createTempDirectory("one-build");
        List<String> tags = List.of("one-build-" + tag() + ":byname", "one-build-" + tag() + ":byid");
        try {
            String netId = docker.run("network", "create", net).assertOk().trimmed();
            for (int i = 0; i < 2; i++) {
                Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox\nRUN echo " + tags.get(i) + " > /x\n");
                docker.run(Duration.ofSeconds(120), null, "build", "--network", i == 0 ? net : netId, "-t", tags.get(i),
                        ctx.toString()).assertOk();
                assertThat(docker.run("image", "inspect", "--format", "{{.Id}}", tags.get(i)).exit())
                        .as("image inspect %s", tags.get(i)).isZero();
            }
        } finally {
            tags.forEach(t -> docker.run("rmi", t));
            docker.run("network", "rm", net);
        }
    }

    /** Item 7: docker-java's network round trip (create, inspect by the answered ID, remove). */
    @Test
    void dockerJavaNetworkRoundTrip() {
        String net = "dj-" + tag();
        String id = client.createNetworkCmd().withName(net).withLabels(Map.of("it.one", "dj")).exec().getId();
        try {
            Network n = client.inspectNetworkCmd().withNetworkId(id).exec();
            assertThat(n.getId()).isEqualTo(id);
            assertThat(n.getName()).isEqualTo(net);
            assertThat(n.getLabels()).containsEntry("it.one", "dj");
            assertThat(client.listNetworksCmd().withNameFilter(net).exec()).extracting(Network::getId)
                    .containsExactly(id);
        } finally {
            client.removeNetworkCmd(id).exec();
        }
    }

    /** {@code ps --filter since=X / before=X}, X on one node, answered over every node by creation time. */
    @Test
    void psSinceAndBeforeOrderContainersOfEveryNode() {
        String first = names.next("order");
        String second = names.next("order");
        String third = names.next("order");
        docker.run("create", "--name", first, "-e", "constraint:node==node1", "busybox", "true").assertOk();
        docker.run("create", "--name", second, "-e", "constraint:node==node2", "busybox", "true").assertOk();
        docker.run("create", "--name", third, "-e", "constraint:node==node3", "busybox", "true").assertOk();
        List<String> since = docker.run("ps", "-a", "--filter", "since=" + first, "--format", "{{.Names}}")
                .assertOk().lines();
        assertThat(since).contains("node2/" + second, "node3/" + third).doesNotContain("node1/" + first);
        List<String> before = docker.run("ps", "-a", "--filter", "before=" + third, "--format", "{{.Names}}")
                .assertOk().lines();
        assertThat(before).contains("node1/" + first, "node2/" + second).doesNotContain("node3/" + third);
        List<String> between = docker.run("ps", "-a", "--filter", "since=" + first, "--filter", "before=" + third,
                "--format", "{{.Names}}").assertOk().lines();
        assertThat(between).contains("node2/" + second).doesNotContain("node1/" + first, "node3/" + third);
        DockerCli.Result unknown = docker.run("ps", "-a", "--filter", "since=no-such-" + tag());
        assertThat(unknown.exit()).isNotZero();
        assertThat(unknown.err()).contains("No such container");
    }
}
