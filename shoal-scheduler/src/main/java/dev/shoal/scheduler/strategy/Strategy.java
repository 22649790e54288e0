package dev.shoal.scheduler.strategy;

import dev.shoal.scheduler.ClusterSnapshot;

/**
 * Ranks the nodes that passed every filter and picks one. A node is only ever picked if the request fits on it
 * (memory, CPU, container slot), so no strategy can over-reserve a node — random included, unlike classic Swarm.
 * Degraded nodes come after every healthy one. Remaining ties go to the node first in snapshot order (by name).
 */
public sealed interface Strategy permits SpreadStrategy, BinpackStrategy, RandomStrategy {
    String name();

    /**
     * The chosen node among {@code candidates} (a bitset over the snapshot's nodes), or -1 if the request fits on
     * none of them.
     */
    int pick(ClusterSnapshot snapshot, long[] candidates, long memory, long nanoCpus);

    /** {@code spread}, {@code binpack} or {@code random} (seeded with {@code seed}). */
    static Strategy of(String name, long seed) {
        return switch (name) {
            case "spread" -> new SpreadStrategy();
            case "binpack" -> new BinpackStrategy();
            case "random" -> new RandomStrategy(seed);
            default -> throw new IllegalArgumentException("unknown strategy " + name + " (spread, binpack, random)");
        };
    }
}
