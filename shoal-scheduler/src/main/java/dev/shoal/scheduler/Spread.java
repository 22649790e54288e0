package dev.shoal.scheduler;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** Plain spread: the healthy node with the fewest containers, ties to the lowest name. Pure, no I/O. */
public final class Spread {
    private static final Comparator<NodeSnapshot> ORDER = Comparator.comparingInt(NodeSnapshot::containers)
            .thenComparing(NodeSnapshot::name);

    private Spread() { }

    public static Optional<NodeSnapshot> pick(List<NodeSnapshot> candidates) {
        return candidates.stream().filter(NodeSnapshot::healthy).min(ORDER);
    }
}
