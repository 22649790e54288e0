package dev.shoal.it;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** docker version and docker info through the manager: one cluster, three nodes, resources summed. */
class InfoIT {
    private static final List<String> NODES = List.of("node1", "node2", "node3");
    private static DockerCli docker;

    @BeforeAll
    static void lab() {
        docker = DockerCli.lab();
    }

    @Test
    void versionNamesTheServerAndApi141() {
        DockerCli.Result r = docker.run("version").assertOk();
        assertThat(r.out()).contains("Server: Shoal").containsPattern("(?m)^ +Version: +\\S+");
        assertThat(r.out()).containsPattern("(?m)^ +API version: +1\\.41");
        assertThat(docker.run("version", "--format", "{{.Server.APIVersion}}").assertOk().trimmed()).isEqualTo("1.41");
    }

    @Test
    void infoShowsEveryNodeWithItsResources() {
        String out = docker.run("info").assertOk().out();
        assertThat(out).containsPattern("(?m)^ Nodes: 3$");
        assertThat(out).containsPattern("(?m)^ Strategy: spread$");
        assertThat(out).containsPattern("(?m)^ Filters: health, port, containerslots, dependency, affinity, constraint$");
        for (int i = 1; i <= 3; i++) {
            String node = "node" + i;
            String section = nodeSection(out, node);
            assertThat(out).containsPattern("(?m)^  " + node + ": " + java.util.regex.Pattern.quote(dev.shoal.lab.LabLayout.SUBNET_PREFIX) + "1" + i
                    + ":4243$");
            assertThat(section).containsPattern("(?m)^   └ Status: Healthy$");
            assertThat(section).containsPattern("(?m)^   └ Containers: \\d+ \\(\\d+ Running, \\d+ Paused, \\d+ Stopped\\)$");
            assertThat(section).containsPattern("(?m)^   └ Reserved CPUs: [\\d.]+ / \\d+$");
            assertThat(section).containsPattern("(?m)^   └ Reserved Memory: [\\d.]+ [KMGT]?i?B / [\\d.]+ GiB$");
            assertThat(section).containsPattern("(?m)^   └ Labels: .*shoal\\.lab\\.node=" + node + ".*$");
            assertThat(section).contains("ostype=linux");
        }

        int cpus = 0;
        long mem = 0;
        for (String n : NODES) {
            DockerCli engine = DockerCli.engine(n);
            cpus += Integer.parseInt(engine.run("info", "--format", "{{.NCPU}}").assertOk().trimmed());
            mem += Long.parseLong(engine.run("info", "--format", "{{.MemTotal}}").assertOk().trimmed());
        }
        assertThat(out).containsPattern("(?m)^ CPUs: " + cpus + "$");
        assertThat(docker.run("info", "--format", "{{.NCPU}}").assertOk().trimmed()).isEqualTo(String.valueOf(cpus));
        assertThat(docker.run("info", "--format", "{{.MemTotal}}").assertOk().trimmed()).isEqualTo(String.valueOf(mem));
        Matcher total = Pattern.compile("(?m)^ Total Memory: ([\\d.]+)GiB$").matcher(out);
        assertThat(total.find()).as("Total Memory line in\n%s", out).isTrue();
        assertThat(Double.parseDouble(total.group(1))).isCloseTo(mem / (double) (1L << 30),
                org.assertj.core.data.Offset.offset(0.01));
    }

    @Test
    void infoCountsContainersPerNodeAsTheEngineDoes() {
        // the per-node Containers line matches the node's own engine (give concurrent tests a few tries)
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            String out = docker.run("info").assertOk().out();
            for (String n : NODES) {
                String own = DockerCli.engine(n).run("info", "--format",
                        "{{.Containers}} ({{.ContainersRunning}} Running, {{.ContainersPaused}} Paused, {{.ContainersStopped}} Stopped)")
                        .assertOk().trimmed();
                assertThat(nodeSection(out, n)).contains("└ Containers: " + own);
            }
        });
    }

    @Test
    void reservedMemoryFollowsContainers() {
        String name = "info-mem-" + UUID.randomUUID().toString().substring(0, 8);
        String before = docker.run("info").assertOk().out();
        String id = docker.run("run", "-d", "--name", name, "--memory", "20m", "busybox", "sleep", "300").assertOk().trimmed();
        try {
            String node = docker.run("inspect", "--format", "{{.Node.Name}}", id).assertOk().trimmed();
            assertThat(node).isIn(NODES);
            String reservedBefore = reservedMemory(nodeSection(before, node));
            String reservedWith = reservedMemory(nodeSection(docker.run("info").assertOk().out(), node));
            if (reservedBefore.equals("0 B")) {
                assertThat(reservedWith).isEqualTo("20 MiB");
            } else {
                assertThat(reservedWith).isNotEqualTo(reservedBefore);
            }
            docker.run("rm", "-f", id).assertOk();
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200)).untilAsserted(() ->
                    assertThat(reservedMemory(nodeSection(docker.run("info").assertOk().out(), node)))
                            .isEqualTo(reservedBefore));
        } finally {
            docker.run("rm", "-f", name);
        }
    }

    private static String reservedMemory(String section) {
        Matcher m = Pattern.compile("└ Reserved Memory: (.+) / ").matcher(section);
        assertThat(m.find()).as("Reserved Memory in\n%s", section).isTrue();
        return m.group(1);
    }

    /** The lines of one node's entry in docker info, from "  nodeX: addr" to the next node or the end of the list. */
    static String nodeSection(String info, String node) {
        int start = info.indexOf("\n  " + node + ": ");
        assertThat(start).as("%s in docker info:\n%s", node, info).isNotNegative();
        String[] lines = info.substring(start + 1).split("\n");
        StringBuilder sb = new StringBuilder(lines[0]).append('\n');
        for (int i = 1; i < lines.length && lines[i].startsWith("   └"); i++) {
            sb.append(lines[i]).append('\n');
        }
        return sb.toString();
    }
}
