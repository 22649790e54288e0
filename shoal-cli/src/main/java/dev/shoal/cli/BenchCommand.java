package dev.shoal.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/** Benchmarks that print one result line each. */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Measure Shoal.",
        subcommands = {BenchCommand.Cli.class, BenchCommand.Transfer.class, BenchCommand.Scheduler.class,
                BenchCommand.Manager.class, BenchCommand.Memory.class, FailoverBench.class})
final class BenchCommand implements Runnable {
    @Override public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    /** What a bench compares: the lab's manager against one engine directly (node1's, by default). */
    static final class Targets {
        @Option(names = "--manager", defaultValue = "unix:///run/shoal-lab/docker.sock") String manager;
        @Option(names = "--engine", defaultValue = "unix:///run/shoal-lab/node1/docker.sock") String engine;
    }

    /** The pure scheduler on simulated nodes (no engines): placements/s, decision latency, heap. */
    @Command(name = "scheduler", mixinStandardHelpOptions = true,
            description = "Place many tasks on simulated nodes; prints one result line.")
    static final class Scheduler implements Runnable {
        @Option(names = "--nodes", defaultValue = "5000") int nodes;
        @Option(names = "--tasks", defaultValue = "1000000") int tasks;
        @Option(names = "--strategy", defaultValue = "spread", description = "spread, binpack or random") String strategy;

        @Override public void run() {
            try {
                dev.shoal.scheduler.bench.SchedulerBench.main(new String[] {"--nodes", String.valueOf(nodes),
                        "--tasks", String.valueOf(tasks), "--strategy", strategy});
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /**
     * The real manager (a child {@code shoal manage}) against simulated nodes in this process: creates through the
     * API, then list, filtered list and info at the final count, and the manager's RSS.
     */
    @Command(name = "manager", mixinStandardHelpOptions = true,
            description = "The real manager against simulated nodes: creates/s, list and info latency, RSS; one line.")
    static final class Manager implements Callable<Integer> {
        @Option(names = "--nodes", defaultValue = "50", description = "Simulated nodes (default: ${DEFAULT-VALUE}).")
        int nodes;

        @Option(names = "--containers", defaultValue = "2000",
                description = "Containers to create through the API (default: ${DEFAULT-VALUE}).")
        int containers;

        @Option(names = "--concurrency", defaultValue = "32",
                description = "Client connections creating at once (default: ${DEFAULT-VALUE}).")
        int concurrency;

        @Option(names = "--max-minutes", defaultValue = "20", description = "Stop creating after this long and"
                + " measure at the count reached (default: ${DEFAULT-VALUE}).")
        int maxMinutes;

        @Option(names = "--manager-jvm-opts", defaultValue = "",
                description = "Extra JVM options for the manager process (e.g. -Xmx1g).")
        String managerJvmOpts;

        @Option(names = "--keep", description = "Keep the temporary directory (manager data and log).")
        boolean keep;

        @Override public Integer call() throws Exception {
            String line = new dev.shoal.cli.bench.ManagerBench(new dev.shoal.cli.bench.ManagerBench.Options(nodes,
                    containers, concurrency, maxMinutes, managerJvmOpts, keep), System.err).run();
            System.out.println(line);
            return 0;
        }
    }

    /**
     * Times the real docker CLI through the lab's manager and against one engine directly: `docker ps` and
     * `docker run -d busybox true`, each run N times after a warm-up; prints medians and p90s in one line.
     */
    @Command(name = "cli", mixinStandardHelpOptions = true,
            description = "docker ps / docker run -d latency: through the lab's manager vs node1's engine.")
    static final class Cli implements Callable<Integer> {
        @Option(names = "--runs", defaultValue = "30", description = "Timed runs per command (default: ${DEFAULT-VALUE}).")
        int runs;

        @picocli.CommandLine.Mixin Targets targets;

        @Override public Integer call() throws Exception {
            String manager = targets.manager;
            String engine = targets.engine;
            String label = "shoal.bench=" + ProcessHandle.current().pid();
            try {
                double[] psM = time(manager, "ps");
                double[] psE = time(engine, "ps");
                double[] runM = time(manager, "run", "-d", "--label", label, "busybox", "true");
                double[] runE = time(engine, "run", "-d", "--label", label, "busybox", "true");
                System.out.printf(Locale.ROOT, "docker ps: manager p50 %.1f ms p90 %.1f ms, engine p50 %.1f ms p90 %.1f ms;"
                                + " docker run -d: manager p50 %.1f ms p90 %.1f ms, engine p50 %.1f ms p90 %.1f ms (%d runs each)%n",
                        pct(psM, 50), pct(psM, 90), pct(psE, 50), pct(psE, 90),
                        pct(runM, 50), pct(runM, 90), pct(runE, 50), pct(runE, 90), runs);
            } finally {
                for (String host : List.of(manager, engine)) {
                    String ids = docker(host, "ps", "-aq", "--filter", "label=" + label).strip();
                    if (!ids.isEmpty()) {
                        List<String> rm = new ArrayList<>(List.of("rm", "-f"));
                        rm.addAll(Arrays.asList(ids.split("\\s+")));
                        docker(host, rm.toArray(String[]::new));
                    }
                }
            }
            return 0;
        }

        double[] time(String host, String... args) throws IOException, InterruptedException {
            for (int i = 0; i < 3; i++) {
                docker(host, args);
            }
            double[] ms = new double[runs];
            for (int i = 0; i < runs; i++) {
                long t0 = System.nanoTime();
                docker(host, args);
                ms[i] = (System.nanoTime() - t0) / 1e6;
            }
            Arrays.sort(ms);
            return ms;
        }

        /**
         * Times two commands in turns (a, b, a, b, …) after {@code warmups} untimed runs of each, so that drift on a shared machine
         * (a cache warming, another process waking up) falls on both alike. Returns both sorted.
         */
        static double[][] timeInTurns(int warmups, int runs, String hostA, List<String> argsA, String hostB,
                List<String> argsB) throws IOException, InterruptedException {
            for (int i = 0; i < warmups; i++) {
                docker(hostA, argsA.toArray(String[]::new));
                docker(hostB, argsB.toArray(String[]::new));
            }
            double[] a = new double[runs];
            double[] b = new double[runs];
            for (int i = 0; i < runs; i++) {
                long t0 = System.nanoTime();
                docker(hostA, argsA.toArray(String[]::new));
                long t1 = System.nanoTime();
                docker(hostB, argsB.toArray(String[]::new));
                long t2 = System.nanoTime();
                a[i] = (t1 - t0) / 1e6;
                b[i] = (t2 - t1) / 1e6;
            }
            Arrays.sort(a);
            Arrays.sort(b);
            return new double[][] {a, b};
        }

        static double pct(double[] sorted, int p) {
            return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
        }

        static String docker(String host, String... args) throws IOException, InterruptedException {
            List<String> cmd = new ArrayList<>(List.of("docker", "-H", host));
            cmd.addAll(Arrays.asList(args));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("docker " + String.join(" ", args) + " failed: " + out);
            }
            return out;
        }
    }

    /** "manager p50 … p90 …, engine p50 … p90 … (+x.x %)" for the two sorted series of {@link Cli#timeInTurns}. */
    static String compare(double[][] managerAndEngine) {
        double[] m = managerAndEngine[0];
        double[] e = managerAndEngine[1];
        return String.format(Locale.ROOT, "manager p50 %.1f ms p90 %.1f ms, engine p50 %.1f ms p90 %.1f ms (%+.1f %%)",
                Cli.pct(m, 50), Cli.pct(m, 90), Cli.pct(e, 50), Cli.pct(e, 90),
                (Cli.pct(m, 50) / Cli.pct(e, 50) - 1) * 100);
    }

    /**
     * Bulk transfers through the lab's manager vs node1's engine: {@code docker cp} of a 10 MB file into a container on
     * node1, then {@code docker build --no-cache} of a small image (the manager's build pinned to node1 with
     * {@code --build-arg constraint:node==node1}), each in turns after warm-up runs. One line with medians and p90s.
     */
    @Command(name = "transfer", mixinStandardHelpOptions = true,
            description = "docker build / docker cp 10 MB latency: through the lab's manager vs node1's engine.")
    static final class Transfer implements Callable<Integer> {
        @Option(names = "--runs", defaultValue = "20", description = "Timed runs per command (default: ${DEFAULT-VALUE}).")
        int runs;

        @Option(names = "--warmup-cp", defaultValue = "200", description = "Untimed docker cp runs on each side first:"
                + " the JVMs of a lab just started take a few hundred uploads to compile their hot paths"
                + " (default: ${DEFAULT-VALUE}; 0 measures a cold lab).")
        int warmupCp;

        @Option(names = "--warmup-build", defaultValue = "10", description = "Untimed builds on each side first, after"
                + " the copies (default: ${DEFAULT-VALUE}).")
        int warmupBuild;

        @picocli.CommandLine.Mixin Targets targets;

        @Override
        public Integer call() throws Exception {
            String manager = targets.manager;
            String engine = targets.engine;
            java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("shoal-bench-");
            java.nio.file.Path ctx = java.nio.file.Files.createDirectory(dir.resolve("context"));
            String container = "shoal-bench-cp-" + Long.toHexString(System.nanoTime());
            String tag = "shoal-bench-build:" + Long.toHexString(System.nanoTime());
            try {
                java.nio.file.Files.writeString(ctx.resolve("Dockerfile"),
                        "FROM busybox\nRUN echo built > /built.txt\n");
                java.nio.file.Path file = dir.resolve("payload.bin");
                byte[] chunk = new byte[1 << 20];
                new java.util.Random(1).nextBytes(chunk);
                try (var out = java.nio.file.Files.newOutputStream(file)) {
                    for (int i = 0; i < 10; i++) {
                        out.write(chunk);
                    }
                }
                Cli.docker(manager, "run", "-d", "--name", container, "-e", "constraint:node==node1", "busybox",
                        "sleep", "3600");
                String id = Cli.docker(manager, "inspect", "--format", "{{.Id}}", container).strip();
                double[][] cp = Cli.timeInTurns(warmupCp, runs,
                        manager, List.of("cp", file.toString(), container + ":/tmp/payload.bin"),
                        engine, List.of("cp", file.toString(), id + ":/tmp/payload.bin"));
                double[][] build = Cli.timeInTurns(warmupBuild, runs,
                        manager, List.of("build", "-q", "--no-cache", "--build-arg", "constraint:node==node1", "-t", tag,
                                ctx.toString()),
                        engine, List.of("build", "-q", "--no-cache", "-t", tag, ctx.toString()));
                System.out.printf(Locale.ROOT, "docker cp 10 MB in: %s; docker build --no-cache (small image): %s"
                                + " (%d runs each, in turns)%n", compare(cp), compare(build), runs);
            } finally {
                try {
                    Cli.docker(manager, "rm", "-f", container);
                } catch (IOException ignored) {
                    // not made
                }
                try {
                    Cli.docker(engine, "rmi", "-f", tag);
                } catch (IOException ignored) {
                    // not made
                }
                try (var files = java.nio.file.Files.walk(dir)) {
                    for (java.nio.file.Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                        java.nio.file.Files.delete(f);
                    }
                }
            }
            return 0;
        }
    }

    /**
     * The resident memory (VmRSS) of the running lab's manager and agents, and of each node's dockerd for scale, read
     * from /proc for the pids the lab recorded ({@code SHOAL_LAB} picks the lab). One line; it measures, it does not
     * judge: what traffic came first is up to whoever runs it (docs/performance.md says what the figures there had).
     */
    @Command(name = "memory", mixinStandardHelpOptions = true,
            description = "RSS of the lab's manager, agents and engines now; prints one line.")
    static final class Memory implements Callable<Integer> {
        @Override
        public Integer call() {
            var state = dev.shoal.lab.LabState.read().orElse(null);
            if (state == null) {
                System.err.println("shoal bench memory: no lab is up (SHOAL_LAB=" + dev.shoal.lab.LabLayout.INSTANCE.name()
                        + "); start one with ./shoal lab up");
                return 1;
            }
            StringBuilder line = new StringBuilder("RSS: manager ").append(rss(state.managerPid()));
            StringBuilder engines = new StringBuilder();
            for (var host : state.hosts()) {
                line.append(", ").append(host.name()).append(" agent ").append(rss(host.agentPid()));
                engines.append(engines.isEmpty() ? "" : ", ").append(host.name()).append(' ').append(rss(host.dockerdPid()));
            }
            System.out.println(line.append(" (dockerd: ").append(engines).append(')'));
            return 0;
        }

        /** "123.4 MB" (MiB, from /proc/PID/status), or "not running". */
        static String rss(long pid) {
            if (pid <= 0) {
                return "not running";
            }
            try {
                return formatRss(java.nio.file.Files.readString(java.nio.file.Path.of("/proc", Long.toString(pid), "status")));
            } catch (IOException e) {
                return "not running";
            }
        }

        static String formatRss(String procStatus) {
            for (String l : procStatus.split("\n")) {
                if (l.startsWith("VmRSS:")) {
                    long kb = Long.parseLong(l.substring("VmRSS:".length()).replace("kB", "").strip());
                    return String.format(Locale.ROOT, "%.1f MB", kb / 1024.0);
                }
            }
            return "not running"; // a zombie has no VmRSS
        }
    }
}
