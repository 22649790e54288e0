package dev.shoal.it;

import dev.shoal.lab.Lab;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The one lab that integration tests share: {@link #ensureUp()} brings it up with {@code <repo>/shoal lab up}
 * once per JVM, only when no healthy lab is up already, and leaves it up (LabTeardownIT takes it down at the end).
 * Extra arguments for {@code lab up} may be given with {@code -Dshoal.lab.upArgs="--nodes 4"}.
 */
public final class SharedLab {
    private static final long UP_TIMEOUT_MINUTES = 10;
    private static String dockerHost;

    private SharedLab() {}

    /** Makes sure a healthy lab is up and returns its DOCKER_HOST, e.g. {@code unix:///run/shoal-lab/docker.sock}. */
    public static synchronized String ensureUp() {
        if (dockerHost != null) return dockerHost;
        Lab.Status status = new Lab(line -> { }).status();
        boolean wantManager = !upArgs().contains("--no-manager");
        if (status.healthy() && status.state().orElseThrow().manager() == wantManager) {
            dockerHost = status.state().orElseThrow().dockerHost();
            return dockerHost;
        }
        List<String> args = new ArrayList<>(List.of("lab", "up"));
        args.addAll(upArgs());
        Result up = shoal(args.toArray(String[]::new));
        if (up.exit() != 0) {
            throw new IllegalStateException("`shoal " + String.join(" ", args) + "` failed (exit " + up.exit() + "):\n"
                    + up.out() + up.err());
        }
        dockerHost = up.out().lines().filter(l -> l.startsWith("export DOCKER_HOST=")).reduce((a, b) -> b)
                .map(l -> l.substring("export DOCKER_HOST=".length()).strip())
                .orElseThrow(() -> new IllegalStateException("`shoal lab up` printed no DOCKER_HOST:\n" + up.out()));
        return dockerHost;
    }

    /** Forgets the cached DOCKER_HOST, so the next {@link #ensureUp()} checks the lab again. */
    public static synchronized void forget() {
        dockerHost = null;
    }

    /** A finished {@code shoal} run. */
    public record Result(int exit, String out, String err) {}

    /** Runs {@code <repo>/shoal args…}; its stderr is also echoed to this JVM's stderr as progress. */
    public static Result shoal(String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(root().resolve("shoal").toString());
        cmd.addAll(Arrays.asList(args));
        try {
            Path out = Files.createTempFile("shoal-out", ".txt");
            Path err = Files.createTempFile("shoal-err", ".txt");
            try {
                Process p = new ProcessBuilder(cmd).directory(root().toFile())
                        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                        .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
                if (!p.waitFor(UP_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                    throw new IllegalStateException(String.join(" ", cmd) + " did not finish within "
                            + UP_TIMEOUT_MINUTES + " minutes; stderr:\n" + Files.readString(err));
                }
                Result r = new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                        Files.readString(err, StandardCharsets.UTF_8));
                System.err.print(r.err());
                return r;
            } finally {
                Files.deleteIfExists(out);
                Files.deleteIfExists(err);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running " + cmd, e);
        }
    }

    /** The repository root: system property {@code shoal.root} (set by the failsafe configuration) or a parent of the cwd. */
    static Path root() {
        String prop = System.getProperty("shoal.root");
        if (prop != null && !prop.isBlank() && Files.isExecutable(Path.of(prop, "shoal"))) return Path.of(prop);
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isExecutable(p.resolve("shoal")) && Files.isRegularFile(p.resolve("pom.xml"))) return p;
        }
        throw new IllegalStateException("cannot find the Shoal repository (no executable ./shoal); set -Dshoal.root");
    }

    private static List<String> upArgs() {
        String extra = System.getProperty("shoal.lab.upArgs", "").strip();
        return extra.isEmpty() ? List.of() : List.of(extra.split("\\s+"));
    }
}
