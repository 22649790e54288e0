package dev.shoal.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The everyday container commands of the docker CLI, typed against the manager as against one engine. */
class ContainerCommandsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration BOUND = Duration.ofSeconds(30);

    private final DockerCli docker = DockerCli.lab();
    @RegisterExtension
    final ContainerNames names = new ContainerNames(docker);

    /** A container name no other test uses; removed after the test. */
    private String name(String prefix) {
        return names.next(prefix);
    }

    private String inspect(String ref, String format) {
        return docker.run("inspect", "--format", format, ref).assertOk().trimmed();
    }

    private String nodeOf(String ref) {
        return inspect(ref, "{{.Node.Name}}");
    }

    // ---- run ----------------------------------------------------------------------------------------------

    @Test
    void runDetachedAppliesEveryOptionOnTheChosenNode() {
        String name = name("opts");
        String id = docker.run("run", "-d", "--name", name, "--memory", "32m", "--cpus", "0.5", "-p", "18080:80",
                "-e", "GREETING=hello", "--label", "team=fish", "--restart", "on-failure:2",
                "busybox", "sleep", "300").assertOk().trimmed();
        assertThat(id).matches("[0-9a-f]{64}");

        JsonNode c = inspectJson(name);
        assertThat(c.path("Id").asText()).isEqualTo(id);
        assertThat(c.path("Name").asText()).isEqualTo("/" + name);
        assertThat(c.path("State").path("Running").asBoolean()).isTrue();
        JsonNode host = c.path("HostConfig");
        assertThat(host.path("Memory").asLong()).isEqualTo(32L * 1024 * 1024);
        assertThat(host.path("NanoCpus").asLong()).isEqualTo(500_000_000L);
        assertThat(host.path("RestartPolicy").path("Name").asText()).isEqualTo("on-failure");
        assertThat(host.path("RestartPolicy").path("MaximumRetryCount").asInt()).isEqualTo(2);
        assertThat(host.path("PortBindings").path("80/tcp").get(0).path("HostPort").asText()).isEqualTo("18080");
        assertThat(c.path("Config").path("Env").toString()).contains("GREETING=hello");
        assertThat(c.path("Config").path("Labels").path("team").asText()).isEqualTo("fish");
        assertThat(c.path("Config").path("Labels").path("com.docker.swarm.id").asText()).matches("[0-9a-f]{64}");

        JsonNode node = c.path("Node");
        assertThat(node.path("Name").asText()).isIn("node1", "node2", "node3");
        String ip = node.path("IP").asText();
        assertThat(ip).startsWith(dev.shoal.lab.LabLayout.SUBNET_PREFIX);
        assertThat(node.path("Addr").asText()).startsWith(ip + ":");

        // the container really is on that node's engine, with the same ID
        String onEngine = DockerCli.engine(node.path("Name").asText())
                .run("inspect", "--format", "{{.Id}}", name).assertOk().trimmed();
        assertThat(onEngine).isEqualTo(id);
        assertThat(docker.run("exec", name, "sh", "-c", "echo $GREETING").assertOk().trimmed()).isEqualTo("hello");
    }

    @Test
    void runInTheForegroundStreamsOutputAndPassesTheExitStatusBack() {
        String name = name("fg");
        DockerCli.Result r = docker.run("run", "--name", name, "busybox",
                "sh", "-c", "echo to-stdout; echo to-stderr >&2; exit 3");
        assertThat(r.exit()).isEqualTo(3);
        assertThat(r.out()).isEqualTo("to-stdout\n");
        assertThat(r.err()).contains("to-stderr");
        assertThat(inspect(name, "{{.State.Status}} {{.State.ExitCode}}")).isEqualTo("exited 3");

        DockerCli.Result ok = docker.run("run", "--rm", "busybox", "sh", "-c", "seq 1 2000");
        ok.assertOk();
        assertThat(ok.lines()).hasSize(2000).endsWith("2000");
    }

    @Test
    void runRmRemovesTheContainerAndFreesItsName() {
        String name = name("rm");
        assertThat(docker.run("run", "--rm", "--name", name, "busybox", "echo", "first").assertOk().out())
                .isEqualTo("first\n");
        assertThat(docker.run("ps", "-a", "-q", "--filter", "name=^" + name + "$").assertOk().out()).isEmpty();
        assertThat(docker.run("inspect", name).exit()).isNotZero();

        assertThat(docker.run("run", "--rm", "--name", name, "busybox", "echo", "second").assertOk().out())
                .isEqualTo("second\n");
        docker.run("run", "-d", "--name", name, "busybox", "sleep", "300").assertOk();
        assertThat(inspect(name, "{{.State.Running}}")).isEqualTo("true");
    }

    @Test
    void namesAreUniqueAcrossTheCluster() {
        String name = name("unique");
        String id = docker.run("run", "-d", "--name", name, "busybox", "sleep", "300").assertOk().trimmed();

        for (int i = 0; i < 3; i++) { // whichever node the second one would land on
            DockerCli.Result again = docker.run("run", "-d", "--name", name, "busybox", "sleep", "300");
            assertThat(again.exit()).isEqualTo(125);
            assertThat(again.err()).contains("Conflict. The container name \"/" + name + "\" is already in use");
        }
        assertThat(docker.run("ps", "-a", "-q", "--no-trunc", "--filter", "name=^" + name + "$").assertOk().lines())
                .containsExactly(id);
    }

    @Test
    void concurrentRunsWithOneNameCreateOneContainer() throws Exception {
        String name = name("race");
        List<java.util.concurrent.Future<DockerCli.Result>> runs = new ArrayList<>();
        try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 6; i++) {
                runs.add(pool.submit(() -> docker.run("run", "-d", "--name", name, "busybox", "sleep", "300")));
            }
        }
        List<DockerCli.Result> results = new ArrayList<>();
        for (var f : runs) {
            results.add(f.get());
        }
        assertThat(results).filteredOn(r -> r.exit() == 0).hasSize(1);
        assertThat(results).filteredOn(r -> r.exit() != 0)
                .allSatisfy(r -> assertThat(r.err()).contains("The container name \"/" + name + "\" is already in use"));
        assertThat(docker.run("ps", "-a", "-q", "--filter", "name=^" + name + "$").assertOk().lines()).hasSize(1);
    }

    // ---- ps -----------------------------------------------------------------------------------------------

    @Test
    void psListsContainersOfAllNodesWithNodeQualifiedNames() {
        String running = name("ps-up");
        String exited = name("ps-done");
        String upId = docker.run("run", "-d", "--name", running, "--label", "ps-test=" + running,
                "busybox", "sleep", "300").assertOk().trimmed();
        String doneId = docker.run("run", "--name", exited, "--label", "ps-test=" + running,
                "busybox", "true").assertOk().trimmed();
        assertThat(doneId).isEmpty(); // foreground: nothing printed
        String upNode = nodeOf(running);
        String doneNode = nodeOf(exited);

        assertThat(docker.run("ps", "--format", "{{.Names}}").assertOk().lines())
                .contains(upNode + "/" + running)
                .doesNotContain(doneNode + "/" + exited);
        assertThat(docker.run("ps", "-a", "--format", "{{.Names}}").assertOk().lines())
                .contains(upNode + "/" + running, doneNode + "/" + exited);
        assertThat(docker.run("ps", "-q").assertOk().lines()).contains(upId.substring(0, 12));

        assertThat(docker.run("ps", "-a", "--filter", "label=ps-test=" + running, "--format", "{{.Names}}")
                .assertOk().lines()).containsExactlyInAnyOrder(upNode + "/" + running, doneNode + "/" + exited);
        assertThat(docker.run("ps", "-a", "--filter", "name=" + exited, "--filter", "status=exited",
                "--format", "{{.Names}} {{.Status}}").assertOk().lines())
                .singleElement().asString().startsWith(doneNode + "/" + exited + " Exited (0)");

        // the table header and columns as the CLI prints them
        List<String> table = docker.run("ps", "--filter", "name=" + running).assertOk().lines();
        assertThat(table.get(0)).startsWith("CONTAINER ID").contains("NAMES");
        assertThat(table).hasSize(2);
        assertThat(table.get(1)).startsWith(upId.substring(0, 12)).endsWith(upNode + "/" + running);
    }

    @Test
    void publishedPortsShowTheNodeAddress() {
        String name = name("ports");
        docker.run("run", "-d", "--name", name, "-p", "18081:80", "busybox", "sleep", "300").assertOk();
        String ip = inspect(name, "{{.Node.IP}}");

        assertThat(docker.run("ps", "--filter", "name=" + name, "--format", "{{.Ports}}").assertOk().trimmed())
                .isEqualTo(ip + ":18081->80/tcp");
        assertThat(docker.run("port", name).assertOk().lines()).contains("80/tcp -> 0.0.0.0:18081");
        assertThat(docker.run("port", name, "80").assertOk().lines()).contains("0.0.0.0:18081");
    }

    // ---- addressing ---------------------------------------------------------------------------------------

    @Test
    void aContainerIsAddressableByIdPrefixNameNodeNameAndSwarmId() {
        String name = name("addr");
        String id = docker.run("run", "-d", "--name", name, "busybox", "sleep", "300").assertOk().trimmed();
        String node = nodeOf(name);
        String swarmId = inspect(name, "{{index .Config.Labels \"com.docker.swarm.id\"}}");
        assertThat(swarmId).matches("[0-9a-f]{64}").isNotEqualTo(id);

        for (String ref : List.of(id, id.substring(0, 12), id.substring(0, 7), name, node + "/" + name,
                swarmId, swarmId.substring(0, 12))) {
            assertThat(inspect(ref, "{{.Id}}")).as("inspect %s", ref).isEqualTo(id);
        }
        // and commands other than inspect take the same references
        docker.run("stop", "-t", "1", node + "/" + name).assertOk();
        assertThat(inspect(id, "{{.State.Running}}")).isEqualTo("false");
        docker.run("start", swarmId).assertOk();
        assertThat(inspect(id.substring(0, 12), "{{.State.Running}}")).isEqualTo("true");

        DockerCli.Result missing = docker.run("inspect", "--type", "container", "no-such-" + name);
        assertThat(missing.exit()).isNotZero();
        assertThat(missing.err()).contains("No such container: no-such-" + name);
        DockerCli.Result untyped = docker.run("inspect", "no-such-" + name);
        assertThat(untyped.exit()).isNotZero();
        assertThat(untyped.err()).contains("No such object: no-such-" + name);
    }

    // ---- lifecycle ----------------------------------------------------------------------------------------

    @Test
    void stopStartRestartKillAndWait() {
        String name = name("life");
        docker.run("run", "-d", "--name", name, "busybox", "sleep", "300").assertOk();
        String firstStart = inspect(name, "{{.State.StartedAt}}");

        assertThat(docker.run("stop", "-t", "1", name).assertOk().trimmed()).isEqualTo(name);
        assertThat(inspect(name, "{{.State.Status}}")).isEqualTo("exited");
        assertThat(docker.run("stop", "-t", "1", name).exit()).as("stopping a stopped container").isZero();

        assertThat(docker.run("start", name).assertOk().trimmed()).isEqualTo(name);
        assertThat(inspect(name, "{{.State.Status}}")).isEqualTo("running");

        assertThat(docker.run("restart", "-t", "1", name).assertOk().trimmed()).isEqualTo(name);
        assertThat(inspect(name, "{{.State.Status}}")).isEqualTo("running");
        assertThat(inspect(name, "{{.State.StartedAt}}")).isNotEqualTo(firstStart);

        DockerCli.Running waiting = docker.start("wait", name);
        try {
            assertThat(docker.run("kill", name).assertOk().trimmed()).isEqualTo(name);
            await("docker wait to end").atMost(BOUND).until(() -> !waiting.process().isAlive());
            assertThat(waiting.process().exitValue()).isZero();
            assertThat(waiting.outSoFar().strip()).isEqualTo("137");
        } finally {
            waiting.close();
        }
        assertThat(inspect(name, "{{.State.Status}} {{.State.ExitCode}}")).isEqualTo("exited 137");
    }

    @Test
    void waitPrintsTheExitCode() {
        String name = name("wait");
        docker.run("run", "-d", "--name", name, "busybox", "sh", "-c", "sleep 1; exit 7").assertOk();
        assertThat(docker.run("wait", name).assertOk().trimmed()).isEqualTo("7");
        assertThat(docker.run("wait", name).assertOk().trimmed()).as("wait on an exited container").isEqualTo("7");
    }

    @Test
    void pauseAndUnpause() {
        String name = name("pause");
        docker.run("run", "-d", "--name", name, "busybox", "sleep", "300").assertOk();

        assertThat(docker.run("pause", name).assertOk().trimmed()).isEqualTo(name);
        assertThat(inspect(name, "{{.State.Status}}")).isEqualTo("paused");
        assertThat(docker.run("ps", "--filter", "name=" + name, "--format", "{{.Status}}").assertOk().trimmed())
                .endsWith("(Paused)");
        DockerCli.Result execWhilePaused = docker.run("exec", name, "true");
        assertThat(execWhilePaused.exit()).isNotZero();
        assertThat(execWhilePaused.err()).contains("is paused");

        assertThat(docker.run("unpause", name).assertOk().trimmed()).isEqualTo(name);
        assertThat(inspect(name, "{{.State.Status}}")).isEqualTo("running");
    }

    @Test
    void renameMovesTheNameEverywhere() {
        String before = name("ren-a");
        String after = name("ren-b");
        String id = docker.run("run", "-d", "--name", before, "busybox", "sleep", "300").assertOk().trimmed();
        String node = nodeOf(before);
        String swarmId = inspect(before, "{{index .Config.Labels \"com.docker.swarm.id\"}}");

        docker.run("rename", before, after).assertOk();

        assertThat(inspect(after, "{{.Id}}")).isEqualTo(id);
        assertThat(inspect(node + "/" + after, "{{.Name}}")).isEqualTo("/" + after);
        assertThat(inspect(swarmId, "{{.Name}}")).isEqualTo("/" + after);
        assertThat(docker.run("inspect", "--type", "container", before).exit()).isNotZero();
        assertThat(docker.run("ps", "--filter", "id=" + id, "--format", "{{.Names}}").assertOk().trimmed())
                .isEqualTo(node + "/" + after);

        // the old name is free again, the new one is taken
        docker.run("run", "-d", "--name", before, "busybox", "sleep", "300").assertOk();
        String third = name("ren-c");
        docker.run("run", "-d", "--name", third, "busybox", "sleep", "300").assertOk();
        DockerCli.Result clash = docker.run("rename", third, after);
        assertThat(clash.exit()).isNotZero();
        assertThat(clash.err()).contains("\"/" + after + "\" is already in use");
    }

    @Test
    void rmRefusesARunningContainerUnlessForced() {
        String name = name("rm-f");
        String stopped = name("rm-stopped");
        docker.run("run", "-d", "--name", name, "busybox", "sleep", "300").assertOk();
        docker.run("run", "--name", stopped, "busybox", "true").assertOk();

        DockerCli.Result refused = docker.run("rm", name);
        assertThat(refused.exit()).isNotZero();
        assertThat(refused.err()).contains("You cannot remove a running container");
        assertThat(inspect(name, "{{.State.Running}}")).isEqualTo("true");

        assertThat(docker.run("rm", stopped).assertOk().trimmed()).isEqualTo(stopped);
        assertThat(docker.run("rm", "-f", name).assertOk().trimmed()).isEqualTo(name);
        assertThat(docker.run("ps", "-a", "--filter", "name=" + name, "-q").assertOk().out()).isEmpty();
        assertThat(docker.run("ps", "-a", "--filter", "name=" + stopped, "-q").assertOk().out()).isEmpty();

        DockerCli.Result gone = docker.run("rm", name);
        assertThat(gone.exit()).isNotZero();
        assertThat(gone.err()).contains("No such container: " + name);
    }

    @Test
    void rmTakesSeveralContainersAtOnce() {
        List<String> names = List.of(name("rm-many"), name("rm-many"), name("rm-many"), name("rm-many"));
        for (String n : names) {
            docker.run("run", "-d", "--name", n, "busybox", "sleep", "300").assertOk();
        }
        List<String> args = new ArrayList<>(List.of("rm", "-f"));
        args.addAll(names);
        assertThat(docker.run(args.toArray(String[]::new)).assertOk().lines())
                .containsExactlyInAnyOrderElementsOf(names);
        for (String n : names) {
            assertThat(docker.run("ps", "-a", "-q", "--filter", "name=" + n).assertOk().out()).isEmpty();
        }
    }

    // ---- logs, top, stats ---------------------------------------------------------------------------------

    @Test
    void logsShowsStdoutAndStderr() {
        String name = name("logs");
        docker.run("run", "--name", name, "busybox", "sh", "-c", "echo out-1; echo err-1 >&2; echo out-2").assertOk();

        DockerCli.Result logs = docker.run("logs", name).assertOk();
        assertThat(logs.out()).isEqualTo("out-1\nout-2\n");
        assertThat(logs.err()).isEqualTo("err-1\n");

        // stdout only: with stderr in the mix, which line the engine logged last is a race
        String tail = name("logs-tail");
        docker.run("run", "--name", tail, "busybox", "sh", "-c", "echo line-1; echo line-2").assertOk();
        assertThat(docker.run("logs", "--tail", "1", tail).assertOk().out()).isEqualTo("line-2\n");
    }

    @Test
    void logsFollowStreamsAsTheContainerWritesAndEndsWithIt() {
        String name = name("logs-f");
        docker.run("run", "-d", "--name", name, "busybox",
                "sh", "-c", "echo first; while [ ! -f /tmp/go ]; do sleep 0.1; done; echo second").assertOk();

        try (DockerCli.Running follow = docker.start("logs", "-f", name)) {
            await("the first line").atMost(BOUND).until(() -> follow.outSoFar().contains("first\n"));
            assertThat(follow.outSoFar()).doesNotContain("second");
            assertThat(follow.process().isAlive()).isTrue();

            docker.run("exec", name, "touch", "/tmp/go").assertOk();
            await("the second line").atMost(BOUND).until(() -> follow.outSoFar().contains("second\n"));
            await("logs -f to end with the container").atMost(BOUND).until(() -> !follow.process().isAlive());
            assertThat(follow.process().exitValue()).isZero();
            assertThat(follow.outSoFar()).isEqualTo("first\nsecond\n");
        }
    }

    @Test
    void topListsTheContainersProcesses() {
        String name = name("top");
        docker.run("run", "-d", "--name", name, "busybox", "sleep", "4242").assertOk();

        List<String> top = docker.run("top", name).assertOk().lines();
        assertThat(top.get(0)).contains("PID").contains("CMD");
        assertThat(top).anyMatch(l -> l.endsWith("sleep 4242"));
    }

    @Test
    void statsNoStreamReportsTheContainer() {
        String name = name("stats");
        docker.run("run", "-d", "--name", name, "--memory", "64m", "busybox", "sleep", "300").assertOk();

        DockerCli.Result one = docker.run("stats", "--no-stream", "--format", "{{.Name}} {{.MemUsage}}", name)
                .assertOk();
        assertThat(one.lines()).singleElement().asString().startsWith(name + " ").endsWith("/ 64MiB");

        DockerCli.Result all = docker.run("stats", "--no-stream", "--format", "{{.Name}}").assertOk();
        assertThat(all.lines()).contains(name);
    }

    // ---- events -------------------------------------------------------------------------------------------

    @Test
    void eventsOfAContainerNameItsNode() throws IOException {
        String name = name("ev");
        long since = Instant.now().getEpochSecond() - 1;
        docker.run("run", "--name", name, "busybox", "true").assertOk();
        String node = nodeOf(name);
        String swarmId = inspect(name, "{{index .Config.Labels \"com.docker.swarm.id\"}}");
        docker.run("rm", name).assertOk();
        long until = Instant.now().getEpochSecond() + 1;

        List<JsonNode> events = new ArrayList<>();
        for (String line : docker.run("events", "--since", Long.toString(since), "--until", Long.toString(until),
                "--filter", "container=" + name, "--format", "{{json .}}").assertOk().lines()) {
            events.add(JSON.readTree(line));
        }
        assertThat(events).extracting(e -> e.path("Action").asText())
                .containsSubsequence("create", "start", "die", "destroy");
        assertThat(events).allSatisfy(e -> {
            assertThat(e.path("Type").asText()).isEqualTo("container");
            assertThat(e.path("Actor").path("Attributes").path("node.name").asText()).isEqualTo(node);
            assertThat(e.path("Actor").path("Attributes").path("name").asText()).isEqualTo(name);
        });
        assertThat(events.get(0).path("Actor").path("Attributes").path("com.docker.swarm.id").asText())
                .isEqualTo(swarmId);
    }

    @Test
    void eventsStreamMergesEveryNode() {
        String tag = "ev-" + UUID.randomUUID().toString().substring(0, 8);
        try (DockerCli.Running events = docker.start("events", "--filter", "label=it.run=" + tag,
                "--filter", "event=start", "--format",
                "{{.Actor.Attributes.name}}@{{index .Actor.Attributes \"node.name\"}}")) {
            // events reach only a client already listening: wait until a first container's start shows up
            String probe = name("ev-probe");
            await("the events stream to deliver").atMost(BOUND).pollInterval(Duration.ofMillis(500)).until(() -> {
                docker.run("run", "--name", probe, "--label", "it.run=" + tag, "busybox", "true");
                docker.run("rm", "-f", probe);
                return events.outSoFar().contains(probe + "@");
            });
            // one container started on each node's own engine, behind the manager's back
            List<String> expected = new ArrayList<>();
            for (String node : List.of("node1", "node2", "node3")) {
                String n = name("ev-" + node);
                DockerCli.engine(node).run("run", "--name", n, "--label", "it.run=" + tag, "busybox", "true")
                        .assertOk();
                expected.add(n + "@" + node);
            }
            await("a start event from each node").atMost(BOUND)
                    .untilAsserted(() -> assertThat(events.outSoFar().lines().toList()).containsAll(expected));
        }
    }

    private JsonNode inspectJson(String ref) {
        try {
            JsonNode arr = JSON.readTree(docker.run("inspect", ref).assertOk().out());
            assertThat(arr.size()).isEqualTo(1);
            return arr.get(0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
