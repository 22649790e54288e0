package dev.shoal.scheduler;

import dev.shoal.scheduler.model.Health;
import dev.shoal.scheduler.model.NodeInfo;
import dev.shoal.scheduler.model.Request;
import dev.shoal.scheduler.strategy.SpreadStrategy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Plain spread: the healthy node with the fewest containers, ties to the lowest name. Pure, no I/O.
 * A thin adapter over {@link Scheduler} with the spread strategy and an empty request, kept for today's callers.
 */
public final class Spread {
    private Spread() { }

    public static Optional<NodeSnapshot> pick(List<NodeSnapshot> candidates) {
        List<NodeInfo> nodes = new ArrayList<>(candidates.size());
        for (int i = 0; i < candidates.size(); i++) {
            NodeSnapshot c = candidates.get(i);
            // the id keeps the caller's order among equal names, as the stream-based version did
            nodes.add(new NodeInfo("%010d".formatted(i), c.name(), c.healthy() ? Health.HEALTHY : Health.UNHEALTHY,
                    Map.of(), Map.of(), 0, 0, 0, 0, c.containers(), Set.of(), List.of()));
        }
        ClusterSnapshot snapshot = ClusterSnapshot.of(nodes);
        return switch (new Scheduler(new SpreadStrategy()).place(snapshot, Request.none())) {
            case Placement.Placed p -> Optional.of(candidates.get(Integer.parseInt(p.nodeId())));
            case Placement.Unschedulable u -> Optional.empty();
        };
    }
}
