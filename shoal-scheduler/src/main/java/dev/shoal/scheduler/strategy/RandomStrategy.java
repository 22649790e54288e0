package dev.shoal.scheduler.strategy;

import dev.shoal.scheduler.ClusterSnapshot;

import java.util.SplittableRandom;

/**
 * Uniform among the nodes where the request fits (healthy ones before degraded ones). Unlike classic Swarm's random,
 * reservations are respected. The generator is seeded, so a run is reproducible.
 */
public final class RandomStrategy implements Strategy {
    private final SplittableRandom random;

    public RandomStrategy(long seed) {
        this.random = new SplittableRandom(seed);
    }

    @Override
    public String name() {
        return "random";
    }

    @Override
    public int pick(ClusterSnapshot s, long[] candidates, long memory, long nanoCpus) {
        int best = -1;
        boolean bestDegraded = true;
        int seen = 0;
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
                if (bestDegraded && !degraded) {
                    seen = 0;
                    bestDegraded = false;
                }
                if (random.nextInt(++seen) == 0) { // reservoir sampling: each fitting node with probability 1/seen
                    best = i;
                }
            }
        }
        return best;
    }
}
