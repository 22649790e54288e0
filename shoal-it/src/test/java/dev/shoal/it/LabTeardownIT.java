package dev.shoal.it;

import dev.shoal.lab.LabLayout;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Runs last (its own failsafe execution): {@code shoal lab down} must leave nothing of the lab behind. */
class LabTeardownIT {
    private static final List<String> LAB_DIRS = List.of(LabLayout.RUN.toString(), LabLayout.VAR.toString());
    /** What the lab runs: engines, their containerd and shims, port proxies, the manager and agents (java). */
    private static final List<String> LAB_PROGRAMS = List.of("dockerd", "containerd", "containerd-shim",
            "containerd-shim-runc-v2", "docker-proxy", "runc", "java");

    @Test
    void downLeavesNothingBehind() throws Exception {
        SharedLab.ensureUp();

        SharedLab.Result down = SharedLab.shoal("lab", "down");
        SharedLab.forget();
        assertThat(down.exit()).as("shoal lab down exit code; stderr:\n%s", down.err()).isZero();

        await("lab processes to be gone").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> assertThat(labProcesses()).isEmpty());
        assertThat(run("ip", "netns", "list").lines().map(l -> l.split("\\s+")[0]))
                .noneMatch(n -> n.startsWith(LabLayout.NETNS_PREFIX));
        assertThat(run("ip", "-o", "link", "show").lines().map(LabTeardownIT::linkName))
                .noneMatch(n -> n.equals(LabLayout.BRIDGE) || n.startsWith(LabLayout.VETH_PREFIX));
        for (String table : List.of("filter", "nat")) {
            assertThat(run("iptables", "-w", "-t", table, "-S").lines())
                    .as("iptables -t %s rules tagged shoal-lab", table)
                    .noneMatch(l -> Arrays.asList(l.split("\\s+")).contains(LabLayout.FIREWALL_TAG));
        }
        assertThat(mountPoints()).noneMatch(m -> LAB_DIRS.stream().anyMatch(d -> m.equals(d) || m.startsWith(d + "/")));
        assertThat(cgroups()).isEmpty();
        for (String dir : LAB_DIRS) assertThat(Path.of(dir)).doesNotExist();

        SharedLab.Result again = SharedLab.shoal("lab", "down");
        assertThat(again.exit()).as("a second shoal lab down; stderr:\n%s", again.err()).isZero();
        assertThat(SharedLab.shoal("lab", "status").exit()).as("status with no lab").isEqualTo(1);
    }

    /** Live (non-zombie) processes the lab started: engines, containerd, shims, manager and agents run with its paths. */
    private static List<String> labProcesses() throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    if (p.getFileName().toString().equals(Long.toString(ProcessHandle.current().pid()))) continue;
                    String stat = Files.readString(p.resolve("stat"));
                    if (stat.charAt(stat.lastIndexOf(')') + 2) == 'Z') continue;
                    String cmd = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
                    String program = Path.of(cmd.split(" ")[0]).getFileName().toString();
                    if (LAB_PROGRAMS.contains(program) && LAB_DIRS.stream().anyMatch(d -> cmd.contains(d + "/"))) {
                        found.add(p.getFileName() + ": " + cmd);
                    }
                } catch (IOException | RuntimeException gone) {
                    // the process exited while we looked
                }
            }
        }
        return found;
    }

    private static List<String> mountPoints() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().map(l -> l.split(" ")[4]).toList();
    }

    private static List<Path> cgroups() throws IOException {
        List<Path> found = new ArrayList<>();
        Path root = Path.of("/sys/fs/cgroup");
        List<Path> tops = new ArrayList<>(List.of(root));
        try (Stream<Path> s = Files.list(root)) {
            s.filter(Files::isDirectory).forEach(tops::add);
        }
        for (Path top : tops) {
            try (Stream<Path> s = Files.list(top)) {
                s.filter(p -> p.getFileName().toString().startsWith(LabLayout.CGROUP_PREFIX)).forEach(found::add);
            } catch (IOException ignored) {
                // a controller we cannot list
            }
        }
        return found;
    }

    private static String linkName(String line) {
        String[] parts = line.split(":\\s+", 3);
        return parts.length < 2 ? "" : parts[1].split("@")[0];
    }

    private static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("%s: %s", String.join(" ", cmd), out).isZero();
        return out;
    }
}
