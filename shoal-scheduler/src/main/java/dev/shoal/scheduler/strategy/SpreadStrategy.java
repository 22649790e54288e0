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
        int best = -1;
        boolean bestDegraded = true;
        double bestWeight = Double.POSITIVE_INFINITY;
        int bestCount = Integer.MAX_VALUE;
        for (int w = 0; w < candidates.length; w++) {
            long bits = candidates[w];
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
                if (best < 0 || (bestDegraded && !degraded) || weight < bestWeight
                        || (weight == bestWeight && count < bestCount)) {
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
