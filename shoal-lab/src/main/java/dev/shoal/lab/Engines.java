package dev.shoal.lab;

import dev.shoal.lab.LabLayout.HostLayout;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** One dockerd per lab host, in the host's network namespace with its own hostname and /etc/docker. */
final class Engines {
    static final Duration START_TIMEOUT = Duration.ofSeconds(60);

    private Engines() {}

    /**
     * The command that starts host {@code h}'s dockerd: it enters the host's network namespace, takes its own
     * UTS and mount namespaces (so its hostname and /etc/docker, hence key.json and engine ID, are its own)
     * and execs dockerd. Everything dockerd mounts stays inside that private mount namespace.
     */
    static List<String> command(HostLayout h) {
        List<String> dockerd = new ArrayList<>(List.of("dockerd",
                "--data-root", h.dataRoot().toString(),
                "--exec-root", h.execRoot().toString(),
                "--pidfile", h.dockerPid().toString(),
                "--host", h.dockerHost(),
                // with the cgroupfs driver (cgroup v1 here) a plain name is a cgroup under each controller's root
                "--cgroup-parent", h.cgroupParent()));
        String script = "set -e; "
                // a system containerd at /run/containerd would be shared by every engine; hide it
                + "if [ -d /run/containerd ]; then mount -t tmpfs shoal-lab /run/containerd; fi; "
                + "mount --bind " + h.etcDocker() + " /etc/docker; "
                + "hostname " + h.name() + "; "
                + "exec " + String.join(" ", dockerd);
        return List.of("nsenter", "--net=" + h.netnsPath(), "unshare", "--uts", "--mount", "--propagation", "private",
                "sh", "-c", script);
    }

    /**
     * The engine's labels live in its /etc/docker/daemon.json (not on its command line), so a test or a user can
     * change them and send dockerd SIGHUP, as on a real host: {@code shoal.lab=true}, {@code shoal.lab.node=NAME}.
     */
    static String daemonJson(HostLayout h) {
        return "{\"labels\": [\"shoal.lab=true\", \"shoal.lab.node=" + h.name() + "\"]}\n";
    }

    static long start(HostLayout h) {
        try {
            Files.createDirectories(h.etcDocker());
            Files.writeString(h.etcDocker().resolve("daemon.json"), daemonJson(h));
            Files.createDirectories(h.dataRoot());
            Files.createDirectories(h.execRoot());
            Files.createDirectories(Path.of("/etc/docker")); // the mount point; docker.io ships it
        } catch (java.io.IOException e) {
            throw new Sh.Failed("cannot create directories for " + h.name() + ": " + e.getMessage());
        }
        return Procs.spawnDetached(command(h), h.dockerLog());
    }

    /** Waits until the engine answers /_ping; fails naming the log if it dies or does not answer in time. */
    static void awaitReady(HostLayout h, long pid) {
        boolean ready = Poll.until(START_TIMEOUT, Duration.ofMillis(100),
                () -> DockerSocket.ping(h.socket()) || !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
        if (!ready || !DockerSocket.ping(h.socket())) {
            throw new Sh.Failed("the engine of " + h.name() + " did not come up"
                    + (ready ? " (dockerd exited)" : " within " + START_TIMEOUT.toSeconds() + " s")
                    + "; read " + h.dockerLog() + lastLines(h.dockerLog()));
        }
    }

    static boolean isUp(HostLayout h) {
        return DockerSocket.ping(h.socket());
    }

    static String lastLines(Path log) {
        try {
            List<String> lines = Files.readAllLines(log);
            return "\n  " + String.join("\n  ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
