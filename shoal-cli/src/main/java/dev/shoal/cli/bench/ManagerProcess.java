package dev.shoal.cli.bench;

import dev.shoal.node.HostPort;
import dev.shoal.node.tls.JoinToken;
import java.io.Closeable;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real manager, {@code shoal manage}, as a child process of the bench (so its memory is its own): this JVM's
 * java and class path, the launcher's JVM flags, a data directory of its own, the Docker API on a unix socket, and
 * free loopback ports for the cluster port and Raft. Its output goes to {@code manager.log} in the directory.
 */
final class ManagerProcess implements Closeable {
    private final Process process;
    private final Path socket;
    private final Path dataDir;
    private final HostPort clusterPort;
    private final Path log;

    private ManagerProcess(Process process, Path socket, Path dataDir, HostPort clusterPort, Path log) {
        this.process = process;
        this.socket = socket;
        this.dataDir = dataDir;
        this.clusterPort = clusterPort;
        this.log = log;
    }

    static ManagerProcess start(Path dir, List<String> jvmOptions) throws IOException {
        Path socket = dir.resolve("docker.sock");
        Path dataDir = dir.resolve("manager");
        Path log = dir.resolve("manager.log");
        HostPort cluster = new HostPort("127.0.0.1", freePort());
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.addAll(List.of("--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"));
        // the options `./shoal manage` gives a manager (heap, GC), then the bench's own, which may override them
        cmd.addAll(dev.shoal.lab.RoleJvmOptions.MANAGER);
        cmd.addAll(jvmOptions);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.shoal.cli.Main", "manage",
                "-H", "unix://" + socket, "--cluster-listen", cluster.toString(),
                "--raft-port", String.valueOf(freePort()), "--data-dir", dataDir.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new ManagerProcess(p, socket, dataDir, cluster, log);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Waits until the API answers {@code /_ping} and the join token is written. */
    void awaitReady(long timeoutMillis) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("the manager exited (" + process.exitValue() + "); see " + log);
            }
            if (Files.exists(socket) && Files.exists(tokenFile()) && pings()) {
                return;
            }
            Thread.sleep(100); // polling a child process's start-up
        }
        throw new IOException("the manager did not answer within " + timeoutMillis + " ms; see " + log);
    }

    private boolean pings() {
        try (ApiClient api = new ApiClient(socket)) {
            return api.get("/_ping").status() == 200;
        } catch (IOException e) {
            return false;
        }
    }

    private Path tokenFile() {
        return dataDir.resolve("ca").resolve("join-token");
    }

    JoinToken token() throws IOException {
        return JoinToken.parse(Files.readString(tokenFile()));
    }

    Path socket() {
        return socket;
    }

    HostPort clusterPort() {
        return clusterPort;
    }

    long pid() {
        return process.pid();
    }

    Path log() {
        return log;
    }

    /** VmRSS and VmHWM (peak) of the manager, in bytes, from /proc/PID/status. */
    long[] residentBytes() throws IOException {
        long rss = 0;
        long peak = 0;
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status"))) {
            if (line.startsWith("VmRSS:")) {
                rss = kib(line);
            } else if (line.startsWith("VmHWM:")) {
                peak = kib(line);
            }
        }
        return new long[] {rss, peak};
    }

    private static long kib(String line) {
        String[] parts = line.split("\\s+");
        return Long.parseLong(parts[1]) * 1024;
    }

    /** Stops the manager (SIGTERM, then SIGKILL after 10 s). */
    @Override public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    static List<String> split(String options) {
        return options == null || options.isBlank() ? List.of() : Arrays.asList(options.strip().split("\\s+"));
    }
}
