package dev.shoal.cli;

import dev.shoal.lab.Lab;
import dev.shoal.lab.LabLayout;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * {@code shoal bench failover}: on a running lab, containers with the on-node-failure policy on one node, that
 * node's link cut; times from the cut to the node shown unhealthy in {@code docker info}, and to every one of its
 * containers Up on another node. Then the link is healed, the old copies must be gone, and everything is removed.
 * One result line: median and max over the rounds.
 */
@Command(name = "failover", mixinStandardHelpOptions = true,
        description = "Cut a lab node running rescheduleable containers: time to unhealthy and to all Up elsewhere.")
final class FailoverBench implements Callable<Integer> {
    @Option(names = "--containers", defaultValue = "30", description = "Containers on the cut node (default: ${DEFAULT-VALUE}).")
    int containers;

    @Option(names = "--rounds", defaultValue = "5", description = "Cuts to time (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--node", defaultValue = "node3", description = "The node to cut (default: ${DEFAULT-VALUE}).")
    String node;

    @Option(names = "--timeout-seconds", defaultValue = "120",
            description = "Give a round up after this long (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    private final String manager = "unix://" + LabLayout.MANAGER_SOCKET;
    private final String label = "shoal.bench.failover=" + ProcessHandle.current().pid();

    @Override
    public Integer call() throws Exception {
        Lab lab = new Lab(line -> { });
        double[] unhealthy = new double[rounds];
        double[] allUp = new double[rounds];
        try (ExecutorService pool = Executors.newFixedThreadPool(6)) {
            for (int round = 0; round < rounds; round++) {
                removeAll();
                awaitHealthy();
                List<String> names = start(pool, round);
                long elsewhere = BenchCommand.Cli.docker(manager, "ps", "--filter", "label=" + label, "--format",
                        "{{.Names}}").lines().filter(l -> !l.startsWith(node + "/")).count();
                if (elsewhere > 0) {
                    System.err.printf(Locale.ROOT, "round %d: %d containers were not placed on %s%n", round + 1,
                            elsewhere, node);
                    return 1;
                }
                long cut = System.nanoTime();
                lab.cut(node);
                try {
                    unhealthy[round] = -1;
                    allUp[round] = -1;
                    long deadline = cut + timeoutSeconds * 1_000_000_000L;
                    while (System.nanoTime() < deadline && (unhealthy[round] < 0 || allUp[round] < 0)) {
                        double at = (System.nanoTime() - cut) / 1e9;
                        if (unhealthy[round] < 0 && nodeUnhealthy()) {
                            unhealthy[round] = at;
                        }
                        if (allUp[round] < 0 && allUpElsewhere(names)) {
                            allUp[round] = at;
                        }
                        Thread.sleep(100); // a polling interval, not a synchronisation
                    }
                } finally {
                    lab.heal(node);
                }
                if (unhealthy[round] < 0 || allUp[round] < 0) {
                    System.err.printf(Locale.ROOT, "round %d: not done after %d s (unhealthy %s, all up %s)%n", round + 1,
                            timeoutSeconds, unhealthy[round] >= 0, allUp[round] >= 0);
                    return 1;
                }
                awaitOneCopyEach(names);
                System.err.printf(Locale.ROOT, "round %d: unhealthy after %.2f s, %d containers Up elsewhere after %.2f s%n",
                        round + 1, unhealthy[round], names.size(), allUp[round]);
            }
        } finally {
            removeAll();
        }
        Arrays.sort(unhealthy);
        Arrays.sort(allUp);
        System.out.printf(Locale.ROOT, "failover of %d containers on %s, %d rounds: unhealthy after median %.2f s (max %.2f),"
                        + " all Up elsewhere after median %.2f s (max %.2f)%n", containers, node, rounds,
                median(unhealthy), unhealthy[rounds - 1], median(allUp), allUp[rounds - 1]);
        return 0;
    }

    /**
     * Starts the round's containers, a few at a time, on the node by a soft constraint (a hard one would hold them
     * there when it is cut); returns their names.
     */
    private List<String> start(ExecutorService pool, int round) throws Exception {
        List<Future<String>> started = new ArrayList<>();
        for (int i = 0; i < containers; i++) {
            String name = "failover-" + ProcessHandle.current().pid() + "-" + round + "-" + i;
            started.add(pool.submit(() -> {
                BenchCommand.Cli.docker(manager, "run", "-d", "--name", name, "--label", label,
                        "-e", "reschedule:on-node-failure", "-e", "constraint:node==~" + node, "busybox", "sleep",
                        "3600");
                return name;
            }));
        }
        List<String> names = new ArrayList<>();
        for (Future<String> f : started) {
            names.add(f.get());
        }
        return names;
    }

    /** Waits for the node to be shown healthy (after the last round's heal). */
    private void awaitHealthy() throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
        while (!nodeStatus("Healthy")) {
            if (System.nanoTime() > deadline) {
                throw new IOException(node + " is not healthy after " + timeoutSeconds + " s");
            }
            Thread.sleep(250); // a polling interval
        }
    }

    private boolean nodeUnhealthy() throws IOException, InterruptedException {
        return nodeStatus("Unhealthy");
    }

    /** Whether {@code docker info} lists the node with "Status: STATUS" (classic Swarm's node lines). */
    private boolean nodeStatus(String status) throws IOException, InterruptedException {
        boolean inNode = false;
        for (String line : BenchCommand.Cli.docker(manager, "info").lines().toList()) {
            String t = line.strip();
            if (t.startsWith(node + ":")) {
                inNode = true;
            } else if (inNode && t.matches("[^└ ]+: .*")) {
                return false; // the next node's lines begin
            } else if (inNode && t.startsWith("└ Status: ")) {
                return t.equals("└ Status: " + status);
            }
        }
        return false;
    }

    private boolean allUpElsewhere(List<String> names) throws IOException, InterruptedException {
        String out = BenchCommand.Cli.docker(manager, "ps", "--filter", "label=" + label, "--format",
                "{{.Names}}|{{.Status}}");
        int up = 0;
        for (String line : out.lines().toList()) {
            if (!line.startsWith(node + "/") && line.contains("|Up ")) {
                up++;
            }
        }
        return up >= names.size();
    }

    /** After the heal: the node's copies are removed there, so every list holds exactly one of each. */
    private void awaitOneCopyEach(List<String> names) throws Exception {
        long deadline = System.nanoTime() + timeoutSeconds * 1_000_000_000L;
        while (System.nanoTime() < deadline) {
            String all = BenchCommand.Cli.docker(manager, "ps", "-a", "--filter", "label=" + label, "-q");
            if (all.lines().count() == names.size()) {
                return;
            }
            Thread.sleep(250); // a polling interval
        }
        throw new IOException("after the heal, the lab still lists more than one copy of some container");
    }

    private void removeAll() throws IOException, InterruptedException {
        String ids = BenchCommand.Cli.docker(manager, "ps", "-aq", "--filter", "label=" + label).strip();
        if (!ids.isEmpty()) {
            List<String> rm = new ArrayList<>(List.of("rm", "-f"));
            rm.addAll(Arrays.asList(ids.split("\\s+")));
            BenchCommand.Cli.docker(manager, rm.toArray(String[]::new));
        }
    }

    private static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }
}
