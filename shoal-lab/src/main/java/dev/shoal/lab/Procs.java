package dev.shoal.lab;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/** Background processes of the lab: start detached, find by pid file, cgroup or command line, stop. */
final class Procs {
    private Procs() {}

    /**
     * Starts {@code command} in its own session (it outlives this JVM), output appended to {@code log}, and
     * returns its pid ({@code setsid}, {@code nsenter}, {@code unshare} and {@code sh -c 'exec …'} all exec, so
     * the pid is the final program's).
     */
    static long spawnDetached(List<String> command, Path log) {
        List<String> full = new ArrayList<>();
        full.add("setsid");
        full.addAll(command);
        ProcessBuilder pb = new ProcessBuilder(full)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectErrorStream(true);
        try {
            return pb.start().pid();
        } catch (IOException e) {
            throw new Sh.Failed("cannot start " + String.join(" ", command) + ": " + e.getMessage());
        }
    }

    static void writePid(Path file, long pid) {
        try {
            Files.writeString(file, pid + "\n");
        } catch (IOException e) {
            throw new Sh.Failed("cannot write " + file + ": " + e.getMessage());
        }
    }

    static OptionalLong readPid(Path file) {
        try {
            String text = Files.readString(file).strip();
            return text.isEmpty() ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(text));
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** SIGKILL, as a crash would end it; waits (bounded) until the process is gone. */
    static void kill(long pid) {
        ProcessHandle.of(pid).ifPresent(h -> {
            h.destroyForcibly();
            Poll.until(Duration.ofSeconds(10), Duration.ofMillis(20), () -> !running(h));
        });
    }

    /** True when the pid in {@code file} is alive and its command line mentions {@code marker}. */
    static boolean aliveFromPidFile(Path file, String marker) {
        OptionalLong pid = readPid(file);
        return pid.isPresent() && cmdline(pid.getAsLong()).map(c -> c.contains(marker)).orElse(false)
                && ProcessHandle.of(pid.getAsLong()).map(ProcessHandle::isAlive).orElse(false);
    }

    /** The process's command line with NULs turned to spaces, if it exists and is not a zombie. */
    static Optional<String> cmdline(long pid) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            if (raw.length == 0) return Optional.empty();
            return Optional.of(new String(raw, StandardCharsets.UTF_8).replace('\0', ' ').strip());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Pids whose command line contains any of the markers (this JVM and its ancestors excluded). */
    static Set<Long> byCommandLine(Collection<String> markers) {
        Set<Long> self = new TreeSet<>();
        for (Optional<ProcessHandle> p = Optional.of(ProcessHandle.current()); p.isPresent(); p = p.get().parent()) {
            self.add(p.get().pid());
        }
        Set<Long> found = new TreeSet<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            procs.map(p -> p.getFileName().toString()).filter(n -> n.chars().allMatch(Character::isDigit))
                    .map(Long::parseLong).filter(pid -> !self.contains(pid))
                    .forEach(pid -> cmdline(pid).filter(c -> markers.stream().anyMatch(c::contains))
                            .ifPresent(c -> found.add(pid)));
        } catch (IOException e) {
            throw new Sh.Failed("cannot list /proc: " + e.getMessage());
        }
        return found;
    }

    /** Pids in any cgroup (any v1 controller, or the v2 tree) whose path has a segment starting with {@code prefix}. */
    static Set<Long> inCgroups(String prefix) {
        Set<Long> found = new TreeSet<>();
        for (Path dir : cgroupDirs(prefix)) {
            try {
                for (String line : Files.readAllLines(dir.resolve("cgroup.procs"))) {
                    if (!line.isBlank()) found.add(Long.parseLong(line.strip()));
                }
            } catch (IOException | NumberFormatException ignored) {
                // the cgroup went away meanwhile
            }
        }
        return found;
    }

    /** The lab's cgroup directories, deepest first (so they can be removed in this order). */
    static List<Path> cgroupDirs(String prefix) {
        List<Path> dirs = new ArrayList<>();
        Path root = Path.of("/sys/fs/cgroup");
        List<Path> tops = new ArrayList<>();
        tops.add(root);
        try (Stream<Path> s = Files.list(root)) {
            s.filter(Files::isDirectory).forEach(tops::add);
        } catch (IOException e) {
            return dirs;
        }
        for (Path top : tops) {
            try (Stream<Path> s = Files.list(top)) {
                s.filter(p -> p.getFileName().toString().startsWith(prefix) && Files.isDirectory(p)).forEach(base -> {
                    try (Stream<Path> tree = Files.walk(base)) {
                        tree.filter(Files::isDirectory).forEach(dirs::add);
                    } catch (IOException | java.io.UncheckedIOException ignored) {
                        // gone meanwhile (a walk reports a directory removed under it as unchecked)
                    }
                });
            } catch (IOException ignored) {
                // not a directory we can list
            }
        }
        dirs.sort((a, b) -> Integer.compare(b.getNameCount(), a.getNameCount()));
        return dirs;
    }

    /** Sends SIGTERM, waits up to {@code grace}, then SIGKILLs what is left and waits for it to be gone. */
    static void stop(Collection<Long> pids, Duration grace) {
        List<ProcessHandle> handles = pids.stream().map(ProcessHandle::of).flatMap(Optional::stream).toList();
        if (handles.isEmpty()) return;
        if (!grace.isZero()) {
            signal(handles, "TERM");
            waitGone(handles, grace);
        }
        signal(handles.stream().filter(ProcessHandle::isAlive).toList(), "KILL");
        waitGone(handles, Duration.ofSeconds(10));
    }

    private static void signal(List<ProcessHandle> handles, String signal) {
        if (handles.isEmpty()) return;
        List<String> cmd = new ArrayList<>(List.of("kill", "-" + signal));
        handles.forEach(h -> cmd.add(Long.toString(h.pid())));
        Sh.exec(cmd); // some may have exited already
    }

    private static void waitGone(List<ProcessHandle> handles, Duration max) {
        Poll.until(max, Duration.ofMillis(50), () -> handles.stream().noneMatch(Procs::running));
    }

    /** Alive and not a zombie (a zombie's parent, e.g. a killed shim's, may never reap it). */
    private static boolean running(ProcessHandle h) {
        if (!h.isAlive()) return false;
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(h.pid()), "stat"));
            int close = stat.lastIndexOf(')');
            return close < 0 || stat.length() < close + 3 || stat.charAt(close + 2) != 'Z';
        } catch (IOException e) {
            return false;
        }
    }
}
