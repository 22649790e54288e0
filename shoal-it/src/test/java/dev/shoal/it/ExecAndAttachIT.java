package dev.shoal.it;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hijacked connections: {@code run} attached (with and without a terminal), {@code exec} with stdin and with a
 * terminal. Terminal sessions run under {@code script}, which gives the CLI a real pseudo-terminal.
 */
class ExecAndAttachIT {
    /** Shell input that waits (bounded) until the container's terminal has been given a size. */
    private static final String WHEN_SIZED =
            "for i in $(seq 100); do [ \"$(stty size 2>/dev/null)\" != '0 0' ] && [ -n \"$(stty size 2>/dev/null)\" ] && break; sleep 0.1; done; ";

    private final DockerCli docker = DockerCli.lab();
    @RegisterExtension
    final ContainerNames names = new ContainerNames(docker);

    /** A container name no other test uses; removed after the test. */
    private String name(String prefix) {
        return names.next(prefix);
    }

    private String runningContainer(String prefix) {
        String name = name(prefix);
        docker.run("run", "-d", "--name", name, "busybox", "sleep", "300").assertOk();
        return name;
    }

    // ---- run, attached ------------------------------------------------------------------------------------

    @Test
    void runItRmGivesAWorkingTerminal() {
        String name = name("tty");
        DockerCli.Result r = inTerminal("tty; echo tty-$((6*7)); exit\n", "run", "-it", "--rm", "--name", name,
                "busybox", "sh");

        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(r.out()).containsPattern("(?m)^/dev/pts/\\d+\\s*$").contains("tty-42");
        assertThat(docker.run("ps", "-a", "-q", "--filter", "name=" + name).assertOk().out())
                .as("--rm removed it").isEmpty();
    }

    @Test
    void runItFollowsTheTerminalSize() {
        // the CLI sends the size (resize) just after start: ask until it has arrived
        DockerCli.Result r = inTerminal(31, 101, WHEN_SIZED + "stty size; exit\n", "run", "-it", "--rm", "busybox", "sh");
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(r.out()).containsPattern("(?m)^31 101\\s*$");
    }

    @Test
    void runItPassesTheShellsExitStatusBack() {
        DockerCli.Result r = inTerminal("exit 5\n", "run", "-it", "--rm", "busybox", "sh");
        assertThat(r.exit()).as(r.out()).isEqualTo(5);
    }

    @Test
    void runWithStdinButNoTerminalPipesInputThrough() {
        DockerCli.Result r = docker.runWithInput("line one\nline two\n", "run", "-i", "--rm", "busybox", "sh", "-c",
                "cat; echo done");
        r.assertOk();
        assertThat(r.out()).isEqualTo("line one\nline two\ndone\n");
    }

    // ---- exec ---------------------------------------------------------------------------------------------

    @Test
    void execRunsInTheContainerAndPassesOutputAndStatusBack() {
        String name = runningContainer("exec");

        assertThat(docker.run("exec", name, "hostname").assertOk().trimmed())
                .isEqualTo(docker.run("inspect", "--format", "{{.Config.Hostname}}", name).assertOk().trimmed());
        DockerCli.Result failing = docker.run("exec", name, "sh", "-c", "echo oops >&2; exit 4");
        assertThat(failing.exit()).isEqualTo(4);
        assertThat(failing.err()).contains("oops");
        assertThat(failing.out()).isEmpty();
    }

    @Test
    void execWithStdinEchoesItBack() {
        String name = runningContainer("exec-i");

        DockerCli.Result r = docker.runWithInput("hi\n", "exec", "-i", name, "cat");
        r.assertOk();
        assertThat(r.out()).isEqualTo("hi\n");
    }

    @Test
    // The CLI half-closes an exec without stdin at once; on plain Netty 4.2.18 epoll a quarter of these runs lost
    // their tail (see HalfCloseSafeEpoll), so one run proves little: repeat it.
    void execStreamsLargeOutputCompletely() {
        String name = runningContainer("exec-big");

        for (int run = 0; run < 8; run++) {
            DockerCli.Result r = docker.run("exec", name, "seq", "1", "200000").assertOk();
            assertThat(r.lines()).as("run %d", run).hasSize(200_000).startsWith("1").endsWith("200000");
        }
    }

    @Test
    void execItGivesATerminal() {
        String name = runningContainer("exec-it");

        DockerCli.Result r = inTerminal("tty; echo exec-$((6*7)); exit 3\n", "exec", "-it", name, "sh");
        assertThat(r.exit()).as(r.out()).isEqualTo(3);
        assertThat(r.out()).containsPattern("(?m)^/dev/pts/\\d+\\s*$").contains("exec-42");
    }

    @Test
    void execItFollowsTheTerminalSize() {
        String name = runningContainer("exec-size");

        DockerCli.Result r = inTerminal(29, 99, WHEN_SIZED + "stty size; exit\n", "exec", "-it", name, "sh");
        assertThat(r.exit()).as(r.out()).isZero();
        assertThat(r.out()).containsPattern("(?m)^29 99\\s*$");
    }

    @Test
    void execInAStoppedContainerIsRefused() {
        String name = name("exec-stopped");
        docker.run("run", "--name", name, "busybox", "true").assertOk();

        DockerCli.Result r = docker.run("exec", name, "true");
        assertThat(r.exit()).isNotZero();
        assertThat(r.err()).contains("is not running");
    }

    /**
     * Runs {@code docker args…} on a pseudo-terminal (under {@code script}), typing {@code input} into it.
     * The result's output is everything the terminal showed, stdout and stderr together.
     */
    private DockerCli.Result inTerminal(String input, String... args) {
        return inTerminal(0, 0, input, args);
    }

    /** As {@link #inTerminal(String, String...)}, on a terminal of {@code rows} x {@code cols} (when not 0). */
    private DockerCli.Result inTerminal(int rows, int cols, String input, String... args) {
        String command = (rows > 0 ? "stty rows " + rows + " cols " + cols + "; " : "") + Stream.concat(Stream.of("docker"), Stream.of(args)).map(ExecAndAttachIT::shellQuote)
                .collect(Collectors.joining(" "));
        ProcessBuilder pb = new ProcessBuilder("script", "-qefc", command, "/dev/null").redirectErrorStream(true);
        pb.environment().put("DOCKER_HOST", docker.host());
        pb.environment().put("DOCKER_CLI_HINTS", "false");
        try {
            Process p = pb.start();
            p.getOutputStream().write(input.getBytes(StandardCharsets.UTF_8));
            p.getOutputStream().close();
            var out = new java.io.ByteArrayOutputStream();
            Thread reader = Thread.ofVirtual().start(() -> {
                try {
                    p.getInputStream().transferTo(out);
                } catch (IOException ignored) {
                    // the process ended
                }
            });
            if (!p.waitFor(DockerCli.DEFAULT_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new AssertionError("timed out: " + command + "\nterminal so far:\n" + out);
            }
            reader.join(5000);
            return new DockerCli.Result(p.exitValue(), out.toString(StandardCharsets.UTF_8), "");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted", e);
        }
    }

    private static String shellQuote(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }
}
