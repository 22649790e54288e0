package dev.shoal.scheduler;

import dev.shoal.scheduler.filter.Filter;
import dev.shoal.scheduler.model.ContainerInfo;
import dev.shoal.scheduler.model.Health;
import dev.shoal.scheduler.model.NodeInfo;
import dev.shoal.scheduler.model.PortBinding;
import dev.shoal.scheduler.model.Request;
import dev.shoal.scheduler.strategy.BinpackStrategy;
import dev.shoal.scheduler.strategy.SpreadStrategy;
import dev.shoal.scheduler.strategy.Strategy;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Property-style checks over seeded random clusters and requests: every seed is one case (a cluster and a run of
 * placements, each reserved as it is made), checked against a brute-force reference built from the filters'
 * per-node {@code check}.
 */
class SchedulerPropertiesTest {
    static final long MB = 1L << 20;
    static final long CORE = 1_000_000_000L;
    static final String[] ZONES = {"eu-1", "eu-2", "us-1", "ap-1"};
    static final String[] CONSTRAINTS = {"zone==eu-1", "zone!=eu-1", "zone==eu-*", "zone==/^us/", "zone!=/-1$/",
            "zone==~us-1", "zone!=~eu-2", "disk==ssd", "disk!=ssd", "storagedriver==overlay2",
            "storagedriver==~btrfs", "node==n3", "node!=n1", "node==n*", "node==/^n1[0-9]$/", "node==~n2",
            "engine.labels.kernelversion==6.*", "node.labels.disk==hdd", "rack==r1", "rack!=~r2", "missing==x",
            "missing!=x"};
    static final String[] AFFINITIES = {"container==c1", "container!=c2", "image==redis", "image!=nginx",
            "tier==front", "tier!=back", "container==~c3", "image==~redis", "tier!=~front", "container==t*"};

    static Stream<Long> seeds() {
        return IntStream.range(0, 1500).mapToObj(i -> (long) i);
    }

    static List<NodeInfo> randomNodes(SplittableRandom rnd, boolean equal) {
        int n = 1 + rnd.nextInt(40);
        List<NodeInfo> nodes = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Map<String, String> labels = new HashMap<>();
            labels.put("zone", ZONES[rnd.nextInt(ZONES.length)]);
            if (rnd.nextBoolean()) {
                labels.put("disk", rnd.nextBoolean() ? "ssd" : "hdd");
            }
            if (rnd.nextInt(3) == 0) {
                labels.put("rack", "r" + rnd.nextInt(3));
            }
            if (!equal && rnd.nextInt(8) == 0) {
                labels.put("containerslots", String.valueOf(rnd.nextInt(4)));
            }
            Health health = equal ? Health.HEALTHY : switch (rnd.nextInt(12)) {
                case 0 -> Health.DOWN;
                case 1 -> Health.UNHEALTHY;
                case 2 -> Health.DEGRADED;
                default -> Health.HEALTHY;
            };
            long cores = equal ? 8 : 1 + rnd.nextInt(16);
            long mem = equal ? 16_384 * MB : (512 + rnd.nextInt(32_768)) * MB;
            Set<String> ports = !equal && rnd.nextInt(5) == 0 ? Set.of("80/tcp") : Set.of();
            List<ContainerInfo> containers = new ArrayList<>();
            if (!equal) {
                for (int c = rnd.nextInt(3); c > 0; c--) {
                    int k = rnd.nextInt(1000);
                    containers.add(new ContainerInfo("cid" + i + "-" + k, "c" + rnd.nextInt(5),
                            rnd.nextBoolean() ? "redis:7" : "nginx", rnd.nextBoolean() ? Map.of("tier", "front")
                            : Map.of("tier", "back"), List.of(), 0, 0));
                }
            }
            nodes.add(new NodeInfo("id" + i, "n" + i, health, labels,
                    Map.of("storagedriver", rnd.nextInt(4) == 0 ? "btrfs" : "overlay2", "kernelversion",
                            rnd.nextBoolean() ? "6.8" : "5.15"),
                    cores * CORE, mem, 0, 0, rnd.nextInt(2), ports, dedupe(containers)));
        }
        return nodes;
    }

    static List<ContainerInfo> dedupe(List<ContainerInfo> cs) {
        Set<String> names = new HashSet<>();
        List<ContainerInfo> out = new ArrayList<>();
        for (ContainerInfo c : cs) {
            if (names.add(c.name()) && GLOBAL_NAMES.add(c.name() + "/" + c.id())) {
                out.add(c);
            }
        }
        return out;
    }

    static final Set<String> GLOBAL_NAMES = java.util.Collections.synchronizedSet(new HashSet<>());

    static Request randomRequest(SplittableRandom rnd) {
        Request.Builder b = Request.builder();
        if (rnd.nextInt(4) != 0) {
            b.memory((1 + rnd.nextInt(4096)) * MB);
        }
        if (rnd.nextInt(4) != 0) {
            b.nanoCpus((1 + rnd.nextInt(4000)) * 1_000_000L);
        }
        for (int i = rnd.nextInt(3); i > 0; i--) {
            b.constraint(CONSTRAINTS[rnd.nextInt(CONSTRAINTS.length)]);
        }
        if (rnd.nextInt(3) == 0) {
            b.affinity(AFFINITIES[rnd.nextInt(AFFINITIES.length)]);
        }
        if (rnd.nextInt(6) == 0) {
            b.port(rnd.nextBoolean() ? 80 : 0);
        }
        if (rnd.nextInt(10) == 0) {
            b.volumesFrom("c" + rnd.nextInt(6));
        }
        return b.build();
    }

    /** Nodes passing every hard filter (reference: per-node check, no bitsets). */
    static List<Integer> feasible(ClusterSnapshot s, Request r, List<Filter> filters) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < s.size(); i++) {
            boolean ok = true;
            for (Filter f : filters) {
                ok &= f.check(s, i);
            }
            if (ok) {
                out.add(i);
            }
        }
        return out;
    }

    static boolean passesAll(ClusterSnapshot s, int node, List<Filter> filters) {
        return filters.stream().allMatch(f -> f.check(s, node));
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void placementsAreFeasibleOptimalAndNeverOverReserve(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        ClusterSnapshot s = ClusterSnapshot.of(randomNodes(rnd, false));
        Strategy strategy = Strategy.of(List.of("spread", "binpack", "random").get((int) (seed % 3)), seed);
        Scheduler scheduler = new Scheduler(strategy);
        for (int t = 0; t < 30; t++) {
            Request r = randomRequest(rnd);
            List<Filter> hard = Scheduler.pipeline(s, r);
            List<Filter> soft = Scheduler.softFilters(s, r);
            for (Filter f : hard) { // indexes agree with per-node evaluation
                if (f.passing() != null) {
                    for (int i = 0; i < s.size(); i++) {
                        assertThat(ClusterSnapshot.get(f.passing(), i)).as(f.condition() + " on " + s.name(i))
                                .isEqualTo(f.check(s, i));
                    }
                }
            }
            List<Integer> feasible = feasible(s, r, hard);
            List<Integer> preferred = feasible.stream().filter(i -> passesAll(s, i, soft)).toList();
            Placement p = scheduler.place(s, r);
            if (feasible.isEmpty()) {
                assertThat(p).isInstanceOf(Placement.Unschedulable.class);
                var u = (Placement.Unschedulable) p;
                assertThat(u.message()).containsAnyOf(Scheduler.UNSATISFIED, Scheduler.NO_RESOURCES,
                        Scheduler.NO_HEALTHY_NODE).contains("no suitable node (");
                continue;
            }
            assertThat(p).as("feasible nodes exist: %s", feasible).isInstanceOf(Placement.Placed.class);
            int node = ((Placement.Placed) p).node();
            assertThat(feasible).contains(node); // every hard filter holds
            if (!preferred.isEmpty()) { // soft rules only reorder
                assertThat(preferred).contains(node);
            }
            List<Integer> tier = preferred.isEmpty() ? feasible : preferred;
            if (tier.stream().anyMatch(i -> !s.degraded(i))) {
                assertThat(s.degraded(node)).isFalse();
                tier = tier.stream().filter(i -> !s.degraded(i)).toList();
            }
            if (strategy instanceof SpreadStrategy) {
                for (int i : tier) {
                    double wi = s.weight(i, r.memory(), r.nanoCpus());
                    double wn = s.weight(node, r.memory(), r.nanoCpus());
                    assertThat(wn < wi || (wn == wi && s.containerCount(node) <= s.containerCount(i))).isTrue();
                }
            }
            if (strategy instanceof BinpackStrategy && !s.empty(node)) {
                for (int i : tier) {
                    if (!s.empty(i)) {
                        double wi = s.weight(i, r.memory(), r.nanoCpus());
                        double wn = s.weight(node, r.memory(), r.nanoCpus());
                        assertThat(wn > wi || (wn == wi && s.containerCount(node) >= s.containerCount(i))).isTrue();
                    }
                }
            }
            if (strategy instanceof BinpackStrategy && s.empty(node)) { // never opens an empty node while a used one fits
                assertThat(tier).allMatch(s::empty);
            }
            s.addContainer(node, new ContainerInfo("new-" + seed + "-" + t, "t" + t, "app", Map.of(),
                    r.ports(), r.memory(), r.nanoCpus()));
            if (rnd.nextInt(5) == 0) {
                s.removeContainer("new-" + seed + "-" + rnd.nextInt(t + 1));
            }
            for (int i = 0; i < s.size(); i++) { // no node is ever over-reserved
                assertThat(s.reservedMemory(i)).isLessThanOrEqualTo(s.totalMemory(i));
                assertThat(s.reservedNanoCpus(i)).isLessThanOrEqualTo(s.totalNanoCpus(i));
                assertThat(s.containerCount(i)).isGreaterThanOrEqualTo(0);
            }
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void spreadOnEqualNodesKeepsCountsLevelAndBinpackFillsBeforeOpening(long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        List<NodeInfo> nodes = randomNodes(rnd, true);
        Request same = Request.builder().memory((64 + rnd.nextInt(512)) * MB)
                .nanoCpus((10 + rnd.nextInt(500)) * 1_000_000L)
                .constraint(rnd.nextBoolean() ? "storagedriver!=zfs" : "zone==~eu-1").build();
        ClusterSnapshot spread = ClusterSnapshot.of(nodes);
        ClusterSnapshot binpack = ClusterSnapshot.of(nodes);
        Scheduler sp = new Scheduler(new SpreadStrategy());
        Scheduler bp = new Scheduler(new BinpackStrategy());
        int tasks = 1 + rnd.nextInt(nodes.size() * 4);
        boolean softOnly = same.hasSoftRules();
        for (int t = 0; t < tasks; t++) {
            if (sp.place(spread, same) instanceof Placement.Placed p) {
                spread.reserve(p.node(), same.memory(), same.nanoCpus());
            }
            int min = Integer.MAX_VALUE;
            int max = 0;
            for (int i = 0; i < spread.size(); i++) {
                min = Math.min(min, spread.containerCount(i));
                max = Math.max(max, spread.containerCount(i));
            }
            if (!softOnly) {
                assertThat(max - min).as("spread after %d tasks", t + 1).isLessThanOrEqualTo(1);
            }
            if (bp.place(binpack, same) instanceof Placement.Placed p) {
                if (binpack.empty(p.node())) { // within the tier it ranked: soft-preferred nodes if any fit
                    List<Filter> hard = Scheduler.pipeline(binpack, same);
                    List<Filter> all = new ArrayList<>(hard);
                    all.addAll(Scheduler.softFilters(binpack, same));
                    List<Integer> tier = feasible(binpack, same, all);
                    if (tier.isEmpty()) {
                        tier = feasible(binpack, same, hard);
                    }
                    for (int i : tier) {
                        assertThat(binpack.empty(i))
                                .as("binpack opened %s while %s fits", binpack.name(p.node()), binpack.name(i))
                                .isTrue();
                    }
                }
                binpack.reserve(p.node(), same.memory(), same.nanoCpus());
            }
        }
    }
}
