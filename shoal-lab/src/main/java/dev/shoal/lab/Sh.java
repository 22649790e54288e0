package dev.shoal.lab;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs a command with a time-out and captured output; {@link #run} throws a {@link Failed} naming the command. */
public final class Sh {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    private Sh() {}

    /** What a finished command left behind. */
    public record Result(List<String> command, int exit, String out, String err) {
        public boolean ok() { return exit == 0; }
    }

    /** A command that failed, timed out or could not be started. */
    public static final class Failed extends RuntimeException {
        public Failed(String message) { super(message); }
    }

    public static String run(String... command) { return run(List.of(command)); }

    public static String run(List<String> command) { return run(command, DEFAULT_TIMEOUT, Map.of()); }

    /** Runs the command; returns its stdout, or throws naming the command, its exit code and stderr. */
    public static String run(List<String> command, Duration timeout, Map<String, String> env) {
        Result r = exec(command, timeout, env);
        if (!r.ok()) {
            String why = r.err().isBlank() ? r.out().strip() : r.err().strip();
            throw new Failed("command failed (exit " + r.exit() + "): " + String.join(" ", command)
                    + (why.isEmpty() ? "" : "\n  " + why.replace("\n", "\n  ")));
        }
        return r.out();
    }

    /** Runs the command and reports any outcome without throwing (except when it cannot start or times out). */
    public static Result exec(List<String> command) { return exec(command, DEFAULT_TIMEOUT, Map.of()); }

    public static Result exec(String... command) { return exec(List.of(command)); }

    public static Result exec(List<String> command, Duration timeout, Map<String, String> env) {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().putAll(env);
        pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p;
        try {
            p = pb.start();
        } catch (IOException e) {
            throw new Failed("cannot run " + String.join(" ", command) + ": " + e.getMessage());
        }
        CompletableFuture<String> out = drain(p.getInputStream());
        CompletableFuture<String> err = drain(p.getErrorStream());
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new Failed("command timed out after " + timeout.toSeconds() + " s: " + String.join(" ", command));
            }
            return new Result(List.copyOf(command), p.exitValue(), out.join(), err.join());
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new Failed("interrupted while running " + String.join(" ", command));
        }
    }

    /** True when {@code name} is an executable on PATH (or an absolute executable path). */
    public static boolean has(String name) {
        if (name.startsWith("/")) return java.nio.file.Files.isExecutable(java.nio.file.Path.of(name));
        String path = System.getenv().getOrDefault("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        for (String dir : (path + ":/usr/sbin:/sbin").split(":")) {
            if (!dir.isEmpty() && java.nio.file.Files.isExecutable(java.nio.file.Path.of(dir, name))) return true;
        }
        return false;
    }

    private static CompletableFuture<String> drain(InputStream in) {
        CompletableFuture<String> text = new CompletableFuture<>();
        Thread.ofPlatform().daemon().name("sh-drain").start(() -> {
            try (in) {
                text.complete(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                text.completeExceptionally(new UncheckedIOException(e));
            }
        });
        return text;
    }
}
