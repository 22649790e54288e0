package dev.shoal.cli.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * {@code shoal bench manager}: the real manager ({@code shoal manage} in a child process: Docker API on a unix
 * socket, Raft store, dispatcher with mutual TLS, scheduler) against simulated nodes in this process (enrolled with
 * the join token, heartbeating every 2 s, engines answered from memory over TLS). Creates containers through the API
 * from many connections, then times the list, filtered lists and {@code /info} at the final count, and reads the
 * manager's RSS. Progress on stderr; one result line on stdout.
 */
public final class ManagerBench {
    /** How a run is shaped. */
    public record Options(int nodes, int containers, int concurrency, int maxMinutes, String managerJvmOptions,
                          boolean keep) { }

    private static final long READ_BUDGET_NANOS = TimeUnit.SECONDS.toNanos(30);
    private static final long LIST_BUDGET_NANOS = TimeUnit.SECONDS.toNanos(60);

    private final Options options;
    private final PrintStream progress;

    public ManagerBench(Options options, PrintStream progress) {
        this.options = options;
        this.progress = progress;
    }

    /** Runs the bench; returns the result line. */
    public String run() throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("shoal-bench-manager-");
        ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("bench-progress").factory());
        try (ManagerProcess manager = ManagerProcess.start(dir, ManagerProcess.split(options.managerJvmOptions()))) {
            manager.awaitReady(120_000);
            say("manager pid %d up (log %s)", manager.pid(), manager.log());
            try (SimulatedCluster cluster = SimulatedCluster.start(2, options.nodes())) {
                join(manager, cluster, ticker);
                CreateLoad load = new CreateLoad(manager.socket(), options.concurrency());
                var tick = every(ticker, 5, () -> String.format(Locale.ROOT, "created %,d/%,d; %s",
                        load.done(), options.containers(), status(manager, cluster)));
                long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(options.maxMinutes());
                CreateLoad.Result created = load.run(options.containers(), deadline);
                tick.cancel(false);
                say("created %,d in %.1f s (%s); timing reads", created.created(), created.seconds(),
                        status(manager, cluster));
                Reads reads = reads(manager.socket());
                long[] rss = manager.residentBytes();
                return line(created, reads, cluster.heartbeats(), rss);
            }
        } finally {
            ticker.shutdownNow();
            if (options.keep()) {
                say("kept %s", dir);
            } else {
                delete(dir);
            }
        }
    }

    private void join(ManagerProcess manager, SimulatedCluster cluster, ScheduledExecutorService ticker)
            throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        int[] enrolled = new int[1];
        var tick = every(ticker, 5, () -> String.format(Locale.ROOT, "enrolled %,d/%,d nodes; %s", enrolled[0],
                options.nodes(), status(manager, cluster)));
        cluster.join(options.nodes(), manager.clusterPort(), manager.token(), n -> enrolled[0] = n);
        // every node beats once (so the manager holds it healthy), then one interval more
        while (cluster.heartbeats().ok() < options.nodes()) {
            Thread.sleep(100); // waiting for the first heartbeats to be answered
        }
        Thread.sleep(2_000);
        tick.cancel(false);
        say("%,d nodes enrolled and beating in %.1f s", options.nodes(), (System.nanoTime() - t0) / 1e9);
    }

    /** The calls timed at the final count. */
    private record Reads(ReadProbe.Samples all, ReadProbe.Samples byName, ReadProbe.Samples byLabel,
                         ReadProbe.Samples info) { }

    private Reads reads(Path socket) throws IOException {
        ReadProbe.Samples all = ReadProbe.time(socket, "/v1.41/containers/json?all=1", 5, LIST_BUDGET_NANOS);
        say("full list: p50 %.1f ms, %,d containers", all.p50Millis(), all.items());
        ReadProbe.Samples byName = ReadProbe.time(socket, "/v1.41/containers/json?all=1&filters="
                + encode("{\"name\":[\"" + CreateLoad.name(42) + "\"]}"), 20, READ_BUDGET_NANOS);
        ReadProbe.Samples byLabel = ReadProbe.time(socket, "/v1.41/containers/json?all=1&filters="
                + encode("{\"label\":[\"bench.group=" + CreateLoad.group(7) + "\"]}"), 20, READ_BUDGET_NANOS);
        ReadProbe.Samples info = ReadProbe.time(socket, "/v1.41/info", 20, READ_BUDGET_NANOS);
        return new Reads(all, byName, byLabel, info);
    }

    private String line(CreateLoad.Result c, Reads r, HeartbeatStats hb, long[] rss) {
        int n = c.created();
        int window = Math.max(1, Math.min(1_000, n / 4));
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "manager bench: %,d nodes, %,d/%,d containers created in %.1f s "
                        + "(concurrency %d): create %.0f/s, p50 %.1f ms, p99 %.1f ms",
                options.nodes(), n, options.containers(), c.seconds(), options.concurrency(), c.ratePerSecond(),
                Stats.millis(c.latencyNanos(), 50), Stats.millis(c.latencyNanos(), 99)));
        if (n >= 2) {
            s.append(String.format(Locale.ROOT, "; first %,d: %.0f/s p50 %.1f ms, last %,d: %.0f/s p50 %.1f ms",
                    window, c.rate(0, window), c.p50Millis(0, window), window, c.rate(n - window, n),
                    c.p50Millis(n - window, n)));
        }
        if (!c.failures().isEmpty()) {
            s.append("; failed creates ").append(c.failures()).append(" (first: ")
                    .append(c.firstFailure().lines().findFirst().orElse("")).append(')');
        }
        s.append(String.format(Locale.ROOT, "; at %,d: list all=1 p50 %.1f ms (%,d containers, %.0f containers/s,"
                        + " %d runs), name filter p50 %.1f ms, label filter p50 %.1f ms (%,d listed), info p50 %.1f ms",
                n, r.all().p50Millis(), r.all().items(), r.all().itemsPerSecond(), r.all().nanos().length,
                r.byName().p50Millis(), r.byLabel().p50Millis(), r.byLabel().items(), r.info().p50Millis()));
        s.append(String.format(Locale.ROOT, "; heartbeats %,d answered, %,d failed, recent p50 %.1f ms p99 %.1f ms",
                hb.ok(), hb.failed(), hb.recentMillis(50), hb.recentMillis(99)));
        s.append(String.format(Locale.ROOT, "; manager RSS %,d MiB (peak %,d MiB)", rss[0] >> 20, rss[1] >> 20));
        return s.toString();
    }

    private static String status(ManagerProcess manager, SimulatedCluster cluster) {
        HeartbeatStats hb = cluster.heartbeats();
        String rss;
        try {
            rss = (manager.residentBytes()[0] >> 20) + " MiB";
        } catch (IOException e) {
            rss = "?";
        }
        String failure = hb.failed() > 0 && hb.lastFailure() != null ? " (last: " + hb.lastFailure() + ")" : "";
        return String.format(Locale.ROOT, "heartbeats %,d ok %,d failed%s, p99 %.0f ms; %s; manager RSS %s",
                hb.ok(), hb.failed(), failure, hb.recentMillis(99), cluster.engineConnections(), rss);
    }

    private java.util.concurrent.ScheduledFuture<?> every(ScheduledExecutorService ticker, int seconds,
                                                           Supplier<String> line) {
        return ticker.scheduleAtFixedRate(() -> say("%s", line.get()), seconds, seconds, TimeUnit.SECONDS);
    }

    private void say(String format, Object... args) {
        progress.printf(Locale.ROOT, "bench: " + format + "%n", args);
    }

    private static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static void delete(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }
}
