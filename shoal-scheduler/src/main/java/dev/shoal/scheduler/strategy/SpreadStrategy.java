package dev.shoal.scheduler.strategy;

import dev.shoal.scheduler.ClusterSnapshot;

/** Lowest weight first (CPU% + memory% after placing), ties to fewer containers. */
public record SpreadStrategy() implements Strategy {
    @Override
    public String name() {
        return "spread";
    }

    @Override
    public int pick(ClusterSnapshot s, long[] candidates, long memory, long nanoCpus) {
        return WeightRanking.best(s, candidates, memory, nanoCpus, WeightRanking.Only.ALL, true);
    }
}
