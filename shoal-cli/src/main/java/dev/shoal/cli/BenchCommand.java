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
        subcommands = {BenchCommand.Cli.class, BenchCommand.Scheduler.class})
final class BenchCommand implements Runnable {
    @Override public void run() {
        new picocli.CommandLine(this).usage(System.out);
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
     * Times the real docker CLI through the lab's manager and against one engine directly: `docker ps` and
     * `docker run -d busybox true`, each run N times after a warm-up; prints medians and p90s in one line.
     */
    @Command(name = "cli", mixinStandardHelpOptions = true,
            description = "docker ps / docker run -d latency: through the lab's manager vs node1's engine.")
    static final class Cli implements Callable<Integer> {
        @Option(names = "--runs", defaultValue = "30", description = "Timed runs per command (default: ${DEFAULT-VALUE}).")
        int runs;

        @Option(names = "--manager", defaultValue = "unix:///run/shoal-lab/docker.sock") String manager;
        @Option(names = "--engine", defaultValue = "unix:///run/shoal-lab/node1/docker.sock") String engine;

        @Override public Integer call() throws Exception {
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

        private double[] time(String host, String... args) throws IOException, InterruptedException {
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

        private static double pct(double[] sorted, int p) {
            return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
        }

        private static String docker(String host, String... args) throws IOException, InterruptedException {
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
}
