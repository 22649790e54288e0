package dev.shoal.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real {@code docker} CLI against the shared lab's manager, as a user would type it.
 * Every call has a time bound, so a hang fails the test instead of stalling the build.
 */
public final class DockerCli {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    /** What a command printed and how it ended. */
    public record Result(int exit, String out, String err) {
        public Result assertOk() {
            if (exit != 0) {
                throw new AssertionError("docker exited " + exit + "\nstdout: " + out + "\nstderr: " + err);
            }
            return this;
        }

        /** stdout without the trailing newline. */
        public String trimmed() {
            return out.strip();
        }

        public List<String> lines() {
            return out.isBlank() ? List.of() : Arrays.asList(out.strip().split("\n"));
        }
    }

    private final String dockerHost;

    public DockerCli(String dockerHost) {
        this.dockerHost = dockerHost;
    }

    /** The CLI pointed at the shared lab's manager (the lab comes up on first use). */
    public static DockerCli lab() {
        return new DockerCli(SharedLab.ensureUp());
    }

    /** The CLI pointed at one lab host's engine directly, bypassing the manager (node1, node2, …). */
    public static DockerCli engine(String node) {
        SharedLab.ensureUp();
        return new DockerCli(dev.shoal.lab.LabLayout.HostLayout.parse(node).dockerHost());
    }

    public String host() {
        return dockerHost;
    }

    public Result run(String... args) {
        return run(DEFAULT_TIMEOUT, null, args);
    }

    /** Runs with {@code stdin} fed to the command (then closed). */
    public Result runWithInput(String stdin, String... args) {
        return run(DEFAULT_TIMEOUT, stdin, args);
    }

    public Result run(Duration timeout, String stdin, String... args) {
        return exec(timeout, stdin, "docker", args);
    }

    /** Another Docker client program (docker-compose) with this DOCKER_HOST. */
    public Result runProgram(Duration timeout, String program, String... args) {
        return exec(timeout, null, program, args);
    }

    private Result exec(Duration timeout, String stdin, String program, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(program);
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("DOCKER_HOST", dockerHost);
        pb.environment().put("DOCKER_CLI_HINTS", "false");
        try {
            Process p = pb.start();
            var out = drain(p.getInputStream());
            var err = drain(p.getErrorStream());
            if (stdin != null) {
                p.getOutputStream().write(stdin.getBytes(StandardCharsets.UTF_8));
            }
            p.getOutputStream().close();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new AssertionError("timed out after " + timeout + ": " + program + " " + String.join(" ", args)
                        + "\nstdout so far: " + out.text() + "\nstderr so far: " + err.text());
            }
            out.thread().join(5000);
            err.thread().join(5000);
            return new Result(p.exitValue(), out.text(), err.text());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    /** Starts a long-running command (logs -f, events) whose output is read while it runs. */
    public Running start(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add("docker");
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("DOCKER_HOST", dockerHost);
        try {
            Process p = pb.start();
            return new Running(p, drain(p.getInputStream()), drain(p.getErrorStream()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A command still running; its output so far is readable at any time. Close to stop it. */
    public record Running(Process process, Drain out, Drain err) implements AutoCloseable {
        public String outSoFar() {
            return out.text();
        }

        @Override
        public void close() {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
        }
    }

    /** Collects a stream on a background thread. */
    public record Drain(Thread thread, ByteArrayOutputStream buffer) {
        public String text() {
            synchronized (buffer) {
                return buffer.toString(StandardCharsets.UTF_8);
            }
        }
    }

    private static Drain drain(InputStream in) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        Thread t = Thread.ofVirtual().start(() -> {
            byte[] b = new byte[8192];
            int n;
            try {
                while ((n = in.read(b)) >= 0) {
                    synchronized (buf) {
                        buf.write(b, 0, n);
                    }
                }
            } catch (IOException ignored) {
                // process ended
            }
        });
        return new Drain(t, buf);
    }
}
