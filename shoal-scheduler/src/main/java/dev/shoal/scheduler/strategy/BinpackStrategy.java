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
        int best = -1;
        boolean bestDegraded = true;
        double bestWeight = Double.NEGATIVE_INFINITY;
        int bestCount = -1;
        for (int w = 0; w < candidates.length; w++) {
            long bits = used ? candidates[w] & s.usedWord(w) : candidates[w] & ~s.usedWord(w);
            if (bits == 0 || !s.wordMayFit(w, memory, nanoCpus)) {
                continue;
            }
            while (bits != 0) {
                int i = (w << 6) + Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                if (!s.fits(i, memory, nanoCpus)) {
                    continue;
                }
                boolean degraded = s.degraded(i);
                if (degraded && !bestDegraded) {
                    continue;
                }
                double weight = s.weight(i, memory, nanoCpus);
                int count = s.containerCount(i);
                if (best < 0 || (bestDegraded && !degraded) || weight > bestWeight
                        || (weight == bestWeight && count > bestCount)) {
                    best = i;
                    bestDegraded = degraded;
                    bestWeight = weight;
                    bestCount = count;
                }
            }
        }
        return best;
    }
}
