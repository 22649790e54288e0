package dev.shoal.scheduler.bench;

import dev.shoal.scheduler.ClusterSnapshot;
import dev.shoal.scheduler.Placement;
import dev.shoal.scheduler.Scheduler;
import dev.shoal.scheduler.model.Health;
import dev.shoal.scheduler.model.NodeInfo;
import dev.shoal.scheduler.model.Request;
import dev.shoal.scheduler.strategy.Strategy;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Places simulated tasks of mixed sizes, each with a reservation and one constraint, on simulated nodes, reserving
 * after every placement, and prints one line: placements/s, p50/p99 decision latency, heap used.
 *
 * <p>{@code --nodes 5000 --tasks 1000000 --strategy spread|binpack|random [--seed 1]}
 *
 * <p>Nodes: 4/8/16/32 cores with 4 GiB per core, labels zone (10), rack (50), storagedriver overlay2 (a tenth
 * btrfs); 2 % degraded, 1 % down. Tasks: 16–256 MiB and 0.005–0.1 cores (about 70 % of the cluster's CPU in all); constraints in equal parts
 * {@code node==nodeN}, {@code zone==zK}, {@code zone!=zK}, {@code rack==/rack-1[0-9]/}, {@code storagedriver==overlay2}.
 * Requests are built before timing (as the API would hand them over parsed); the clock runs around
 * {@code place} plus {@code reserve}.
 */
public final class SchedulerBench {
    private SchedulerBench() { }

    public static void main(String[] args) {
        int nodes = 5000;
        int tasks = 1_000_000;
        String strategyName = "spread";
        long seed = 1;
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--nodes" -> nodes = Integer.parseInt(args[i + 1]);
                case "--tasks" -> tasks = Integer.parseInt(args[i + 1]);
                case "--strategy" -> strategyName = args[i + 1];
                case "--seed" -> seed = Long.parseLong(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (--nodes N --tasks N --strategy spread|binpack|random --seed N)");
            }
        }
        System.out.println(run(nodes, tasks, strategyName, seed));
    }

    public static String run(int nodeCount, int taskCount, String strategyName, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        ClusterSnapshot snapshot = ClusterSnapshot.of(nodes(nodeCount, rnd));
        Request[] pool = requests(Math.min(taskCount, 65_536), nodeCount, rnd);
        Scheduler scheduler = new Scheduler(Strategy.of(strategyName, seed));

        // warm-up on a copy of the cluster, so the timed run starts from empty nodes with a compiled hot path
        ClusterSnapshot warm = ClusterSnapshot.of(nodes(nodeCount, new SplittableRandom(seed)));
        for (int i = 0; i < Math.min(200_000, taskCount); i++) {
            Request r = pool[i % pool.length];
            if (scheduler.place(warm, r) instanceof Placement.Placed p) {
                warm.reserve(p.node(), r.memory(), r.nanoCpus());
            }
        }
        warm = null;
        System.gc();

        long[] latency = new long[taskCount];
        int unschedulable = 0;
        long unschedulableNanos = 0;
        var threads = ManagementFactory.getThreadMXBean();
        long cpuStart = threads.getCurrentThreadCpuTime();
        long start = System.nanoTime();
        for (int i = 0; i < taskCount; i++) {
            Request r = pool[i % pool.length];
            long t0 = System.nanoTime();
            Placement placement = scheduler.place(snapshot, r);
            if (placement instanceof Placement.Placed p) {
                snapshot.reserve(p.node(), r.memory(), r.nanoCpus());
                latency[i] = System.nanoTime() - t0;
            } else {
                latency[i] = System.nanoTime() - t0;
                unschedulable++;
                unschedulableNanos += latency[i];
            }
        }
        long elapsed = System.nanoTime() - start;
        double cpuSeconds = (threads.getCurrentThreadCpuTime() - cpuStart) / 1e9;
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        Arrays.sort(latency);
        double seconds = elapsed / 1e9;
        return String.format(Locale.ROOT,
                "scheduler %s: %d tasks on %d nodes in %.2f s = %,d placements/s (%.2f s on CPU = %,d/s), "
                        + "p50 %s, p99 %s, max %s, "
                        + "unschedulable %d (%.1f s), heap %d MiB",
                strategyName, taskCount, nodeCount, seconds, (long) (taskCount / seconds), cpuSeconds,
                (long) (taskCount / cpuSeconds),
                micros(latency[taskCount / 2]), micros(latency[(int) (taskCount * 0.99)]),
                micros(latency[taskCount - 1]), unschedulable, unschedulableNanos / 1e9, heap >> 20);
    }

    private static String micros(long nanos) {
        return nanos < 10_000 ? String.format(Locale.ROOT, "%.1f µs", nanos / 1e3) : (nanos / 1000) + " µs";
    }

    static List<NodeInfo> nodes(int count, SplittableRandom rnd) {
        List<NodeInfo> nodes = new ArrayList<>(count);
        int[] cores = {4, 8, 16, 32};
        for (int i = 0; i < count; i++) {
            int c = cores[rnd.nextInt(cores.length)];
            int h = rnd.nextInt(100);
            Health health = h < 1 ? Health.DOWN : h < 3 ? Health.DEGRADED : Health.HEALTHY;
            nodes.add(new NodeInfo("id" + i, "node" + i, health,
                    Map.of("zone", "z" + (i % 10), "rack", "rack-" + (i % 50)),
                    Map.of("storagedriver", rnd.nextInt(10) == 0 ? "btrfs" : "overlay2",
                            "operatingsystem", "linux", "kernelversion", "6.8.0"),
                    c * 1_000_000_000L, c * (4L << 30), 0, 0, 0, Set.of(), List.of()));
        }
        return nodes;
    }

    static Request[] requests(int count, int nodes, SplittableRandom rnd) {
        Request[] pool = new Request[count];
        for (int i = 0; i < count; i++) {
            String constraint = switch (i % 5) {
                case 0 -> "node==node" + rnd.nextInt(nodes);
                case 1 -> "zone==z" + rnd.nextInt(10);
                case 2 -> "zone!=z" + rnd.nextInt(10);
                case 3 -> "rack==/rack-1[0-9]/";
                default -> "storagedriver==overlay2";
            };
            pool[i] = Request.builder()
                    .memory((16L + rnd.nextInt(241)) << 20)
                    .nanoCpus(5_000_000L + rnd.nextInt(96) * 1_000_000L)
                    .constraint(constraint)
                    .build();
        }
        return pool;
    }
}
