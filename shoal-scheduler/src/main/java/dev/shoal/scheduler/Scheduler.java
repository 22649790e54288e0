package dev.shoal.scheduler;

import dev.shoal.scheduler.expr.Expr;
import dev.shoal.scheduler.filter.AffinityFilter;
import dev.shoal.scheduler.filter.ColocationFilter;
import dev.shoal.scheduler.filter.ConstraintFilter;
import dev.shoal.scheduler.filter.CpuFilter;
import dev.shoal.scheduler.filter.DependencyFilter;
import dev.shoal.scheduler.filter.Filter;
import dev.shoal.scheduler.filter.HealthFilter;
import dev.shoal.scheduler.filter.MemoryFilter;
import dev.shoal.scheduler.filter.NodeSetFilter;
import dev.shoal.scheduler.filter.PortFilter;
import dev.shoal.scheduler.filter.SlotsFilter;
import dev.shoal.scheduler.model.Dependency;
import dev.shoal.scheduler.model.NodeSet;
import dev.shoal.scheduler.model.PortBinding;
import dev.shoal.scheduler.model.Request;
import dev.shoal.scheduler.strategy.Strategy;

import java.util.ArrayList;
import java.util.List;

/**
 * Pure placement: {@code place(snapshot, request)} runs the filter pipeline — health, constraints, affinities,
 * dependencies, ports, container slots, memory, CPU — and lets the strategy rank what passes. Soft rules are first
 * tried as hard ones and dropped only if nothing fits. When nothing fits, the answer explains why, node by node.
 *
 * <p>Placing does not reserve: the caller reserves on the chosen node ({@link ClusterSnapshot#reserve} or
 * {@link ClusterSnapshot#addContainer}) once the placement is committed. One instance keeps scratch space between
 * decisions; it is not thread-safe. No I/O, no clock.
 */
public final class Scheduler {
    public static final String UNSATISFIED = "Unable to find a node that satisfies the following conditions";
    public static final String NO_RESOURCES = "no resources available to schedule container";
    public static final String NO_HEALTHY_NODE = "No healthy node available in the cluster";

    private final Strategy strategy;
    private long[] scratch = new long[0];

    public Scheduler(Strategy strategy) {
        this.strategy = strategy;
    }

    public Strategy strategy() {
        return strategy;
    }

    public Placement place(ClusterSnapshot s, Request r) {
        if (scratch.length != s.words()) {
            scratch = new long[s.words()];
        }
        long[] cand = scratch;
        System.arraycopy(s.schedulableBits(), 0, cand, 0, cand.length);
        boolean soft = false;
        for (NodeSet set : r.nodeSets()) {
            and(cand, NodeSetFilter.of(s, set).passing());
        }
        for (Expr e : r.constraints()) {
            if (e.soft()) {
                soft = true;
            } else {
                and(cand, s.constraintBits(e));
            }
        }
        for (Expr e : r.affinities()) {
            if (e.soft()) {
                soft = true;
            } else {
                and(cand, AffinityFilter.of(s, e).passing());
            }
        }
        for (Dependency d : r.dependencies()) {
            and(cand, DependencyFilter.of(s, d).passing());
        }
        for (PortBinding p : r.ports()) {
            long[] bound = p.random() ? null : s.portBits(p.key());
            if (bound != null) {
                andNot(cand, bound);
            }
        }
        if (soft) {
            long[] withSoft = cand.clone();
            for (Expr e : r.constraints()) {
                if (e.soft()) {
                    and(withSoft, s.constraintBits(e));
                }
            }
            for (Expr e : r.affinities()) {
                if (e.soft()) {
                    and(withSoft, AffinityFilter.of(s, e).passing());
                }
            }
            int node = strategy.pick(s, withSoft, r.memory(), r.nanoCpus());
            if (node >= 0) {
                return new Placement.Placed(s.id(node), node, false);
            }
        }
        int node = strategy.pick(s, cand, r.memory(), r.nanoCpus());
        if (node >= 0) {
            return new Placement.Placed(s.id(node), node, soft);
        }
        return explain(s, r);
    }

    /** The hard filters of a request, in pipeline order (what {@link #place} checks, one filter object per rule). */
    public static List<Filter> pipeline(ClusterSnapshot s, Request r) {
        List<Filter> filters = new ArrayList<>();
        filters.add(new HealthFilter(s.schedulableBits()));
        for (NodeSet set : r.nodeSets()) {
            filters.add(NodeSetFilter.of(s, set));
        }
        for (Expr e : r.constraints()) {
            if (!e.soft()) {
                filters.add(ConstraintFilter.of(s, e));
            }
        }
        for (Expr e : r.affinities()) {
            if (!e.soft()) {
                filters.add(AffinityFilter.of(s, e));
            }
        }
        ColocationFilter apart = ColocationFilter.of(s, r.dependencies());
        if (apart != null) {
            filters.add(apart);
        }
        for (Dependency d : r.dependencies()) {
            filters.add(DependencyFilter.of(s, d));
        }
        long[] all = s.allBits();
        java.util.Set<String> ports = new java.util.HashSet<>();
        for (PortBinding p : r.ports()) {
            if (!p.random() && ports.add(p.key())) {
                filters.add(PortFilter.of(s, p, s.portBits(p.key()), all));
            }
        }
        filters.add(new SlotsFilter());
        if (r.memory() > 0) {
            filters.add(new MemoryFilter(r.memory()));
        }
        if (r.nanoCpus() > 0) {
            filters.add(new CpuFilter(r.nanoCpus()));
        }
        return filters;
    }

    /** The soft rules of a request as filters (each may be dropped). */
    public static List<Filter> softFilters(ClusterSnapshot s, Request r) {
        List<Filter> filters = new ArrayList<>();
        for (Expr e : r.constraints()) {
            if (e.soft()) {
                filters.add(ConstraintFilter.of(s, e));
            }
        }
        for (Expr e : r.affinities()) {
            if (e.soft()) {
                filters.add(AffinityFilter.of(s, e));
            }
        }
        return filters;
    }

    /**
     * Why no node fits: every node is charged to the first filter (in pipeline order) it fails, then the message
     * opens as classic Swarm's did and Shoal's per-node explanation follows.
     */
    static Placement.Unschedulable explain(ClusterSnapshot s, Request r) {
        List<Filter> filters = pipeline(s, r);
        int[] failed = new int[filters.size()];
        long[] survivors = s.allBits();
        for (int f = 0; f < filters.size(); f++) {
            Filter filter = filters.get(f);
            long[] passing = filter.passing();
            for (int w = 0; w < survivors.length; w++) {
                long bits = survivors[w];
                if (passing != null) {
                    failed[f] += Long.bitCount(bits & ~passing[w]);
                    survivors[w] = bits & passing[w];
                    continue;
                }
                while (bits != 0) {
                    long low = bits & -bits;
                    bits ^= low;
                    if (!filter.check(s, (w << 6) + Long.numberOfTrailingZeros(low))) {
                        failed[f]++;
                        survivors[w] &= ~low;
                    }
                }
            }
        }
        int unhealthy = failed[0];
        int ruled = unhealthy;
        List<String> conditions = new ArrayList<>();
        List<String> parts = new ArrayList<>();
        for (int f = 0; f < filters.size(); f++) {
            Filter filter = filters.get(f);
            if (failed[f] == 0) {
                continue;
            }
            parts.add(filter.explain(failed[f]));
            if (filter.stage() == Filter.Stage.RULE) {
                ruled += failed[f];
                conditions.add(filter.condition());
            }
        }
        String detail = s.size() == 0 ? "no suitable node (the cluster has no nodes)"
                : "no suitable node (" + String.join("; ", parts) + ")";
        String opening;
        if (unhealthy == s.size()) {
            opening = NO_HEALTHY_NODE;
            conditions.clear();
        } else if (ruled == s.size()) {
            StringBuilder sb = new StringBuilder(UNSATISFIED);
            for (String c : conditions) {
                sb.append("\n[").append(c).append(']');
            }
            opening = sb.toString();
        } else {
            opening = NO_RESOURCES;
            conditions.clear();
        }
        return new Placement.Unschedulable(opening + "\n" + detail, List.copyOf(conditions), detail);
    }

    private static void and(long[] into, long[] bits) {
        for (int w = 0; w < into.length; w++) {
            into[w] &= bits[w];
        }
    }

    private static void andNot(long[] into, long[] bits) {
        for (int w = 0; w < into.length; w++) {
            into[w] &= ~bits[w];
        }
    }
}
