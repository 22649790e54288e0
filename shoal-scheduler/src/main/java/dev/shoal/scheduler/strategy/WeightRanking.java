package dev.shoal.scheduler.strategy;

import dev.shoal.scheduler.ClusterSnapshot;

/**
 * The ranking spread and binpack share: among candidate nodes where the request fits, healthy before degraded, the
 * lowest (spread) or highest (binpack) weight — CPU% + memory% after placing — ties to fewer or more containers.
 */
final class WeightRanking {
    /** Which candidates to look at: all, only nodes already running containers, or only empty ones. */
    enum Only { ALL, USED, EMPTY }

    private WeightRanking() { }

    /** The best node index, or -1 when the request fits none. */
    static int best(ClusterSnapshot s, long[] candidates, long memory, long nanoCpus, Only only, boolean lowest) {
        int best = -1;
        boolean bestDegraded = true;
        double bestWeight = 0;
        int bestCount = 0;
        for (int w = 0; w < candidates.length; w++) {
            long bits = switch (only) {
                case ALL -> candidates[w];
                case USED -> candidates[w] & s.usedWord(w);
                case EMPTY -> candidates[w] & ~s.usedWord(w);
            };
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
                boolean better = lowest
                        ? weight < bestWeight || (weight == bestWeight && count < bestCount)
                        : weight > bestWeight || (weight == bestWeight && count > bestCount);
                if (best < 0 || (bestDegraded && !degraded) || better) {
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
