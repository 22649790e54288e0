package dev.shoal.lab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Removes everything a lab made, found by name rather than by state file, so it also clears what a killed
 * lab left: processes, namespaces, links, tagged iptables rules, mounts, cgroups and directories.
 */
final class Teardown {
    /** Programs the lab starts (directly, or dockerd's children); only these are matched by command line. */
    private static final Set<String> LAB_PROGRAMS = Set.of("dockerd", "containerd", "containerd-shim",
            "containerd-shim-runc-v2", "docker-proxy", "runc", "java", "nsenter", "unshare", "sh", "setsid");
    private static final List<String> LAB_PATHS = List.of(LabLayout.RUN + "/", LabLayout.VAR + "/");

    private Teardown() {}

    /** True when anything of a lab is present. */
    static boolean anythingLeft() {
        return !Network.labNamespaces().isEmpty() || !Network.labLinks().isEmpty()
                || Firewall.TABLES.stream().anyMatch(t -> !Firewall.tagged(t).isEmpty())
                || Files.exists(LabLayout.RUN) || Files.exists(LabLayout.VAR) || !labProcesses().isEmpty()
                || !Procs.cgroupDirs(LabLayout.CGROUP_PREFIX).isEmpty() || !labMounts().isEmpty();
    }

    static void run() {
        stopShoalProcesses();
        killTheRest();
        for (String ns : Network.labNamespaces()) Network.deleteNamespace(ns);
        for (String link : Network.labLinks()) Network.deleteLink(link);
        Firewall.removeAll();
        for (String mount : labMounts()) {
            Sh.Result r = Sh.exec("umount", mount);
            if (!r.ok()) Sh.run("umount", "-l", mount);
        }
        for (Path cg : Procs.cgroupDirs(LabLayout.CGROUP_PREFIX)) {
            Sh.exec("rmdir", cg.toString()); // best effort: a cgroup still in use stays, and the test reports it
        }
        for (Path dir : List.of(LabLayout.RUN, LabLayout.VAR)) {
            if (Files.exists(dir)) Sh.run(List.of("rm", "-rf", "--one-file-system", dir.toString()), Duration.ofMinutes(5), java.util.Map.of());
        }
    }

    /** Manager and agents first, gently, so they can say goodbye. */
    private static void stopShoalProcesses() {
        Set<Long> pids = new TreeSet<>();
        addPid(pids, LabLayout.MANAGER_PID, Cluster.MANAGER_MARKER);
        try (Stream<Path> dirs = Files.exists(LabLayout.RUN) ? Files.list(LabLayout.RUN) : Stream.empty()) {
            dirs.filter(d -> d.getFileName().toString().startsWith("node"))
                    .forEach(d -> addPid(pids, d.resolve("agent.pid"), Cluster.AGENT_MARKER));
        } catch (IOException ignored) {
            // nothing to stop
        }
        Procs.stop(pids, Duration.ofSeconds(5));
    }

    private static void addPid(Set<Long> pids, Path pidFile, String marker) {
        if (Procs.aliveFromPidFile(pidFile, marker)) Procs.readPid(pidFile).ifPresent(pids::add);
    }

    /**
     * Containers (by cgroup), everything in the hosts' namespaces (dockerd, containerd, shims, docker-proxy,
     * agents) and anything else started with the lab's paths. All of it is about to be deleted, so SIGKILL.
     */
    private static void killTheRest() {
        for (int round = 0; round < 5; round++) {
            Set<Long> pids = new LinkedHashSet<>(Procs.inCgroups(LabLayout.CGROUP_PREFIX));
            for (String ns : Network.labNamespaces()) pids.addAll(Network.pidsIn(ns));
            pids.addAll(labProcesses());
            pids.remove(ProcessHandle.current().pid());
            if (pids.isEmpty()) return;
            Procs.stop(pids, Duration.ZERO);
        }
    }

    static Set<Long> labProcesses() {
        Set<Long> pids = new TreeSet<>();
        for (long pid : Procs.byCommandLine(LAB_PATHS)) {
            String program = Procs.cmdline(pid).map(c -> c.split(" ")[0]).orElse("");
            if (LAB_PROGRAMS.contains(Path.of(program).getFileName().toString())) pids.add(pid);
        }
        return pids;
    }

    /** Mount points under /run/shoal-lab or /var/lib/shoal-lab, deepest first. */
    static List<String> labMounts() {
        List<String> found = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
                String[] f = line.split(" ");
                if (f.length > 4 && LAB_PATHS.stream().anyMatch(p -> (f[4] + "/").startsWith(p))) found.add(f[4]);
            }
        } catch (IOException e) {
            return found;
        }
        found.sort(Comparator.comparingInt(String::length).reversed());
        return found;
    }
}
