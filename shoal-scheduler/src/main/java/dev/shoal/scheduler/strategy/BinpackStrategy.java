package dev.shoal.scheduler.strategy;

import dev.shoal.scheduler.ClusterSnapshot;

/**
 * Highest weight that still fits (CPU% + memory% after placing), ties to more containers. One deliberate addition
 * to classic Swarm: a used node always ranks before an empty one, so binpack never opens an empty node while a used
 * one fits (classic Swarm could, on nodes of different sizes).
 */
public record BinpackStrategy() implements Strategy {
    @Override
    public String name() {
        return "binpack";
    }

    @Override
    public int pick(ClusterSnapshot s, long[] candidates, long memory, long nanoCpus) {
        int used = best(s, candidates, memory, nanoCpus, true);
        if (used >= 0 && !s.degraded(used)) {
            return used;
        }
        int empty = best(s, candidates, memory, nanoCpus, false); // opens a node only when no used one fits
        return empty >= 0 && (used < 0 || !s.degraded(empty)) ? empty : used;
    }

    private static int best(ClusterSnapshot s, long[] candidates, long memory, long nanoCpus, boolean used) {
        return WeightRanking.best(s, candidates, memory, nanoCpus,
                used ? WeightRanking.Only.USED : WeightRanking.Only.EMPTY, false);
    }
}
