package dev.shoal.scheduler;

import java.util.List;

/** The scheduler's answer: a node, or why there is none. */
public sealed interface Placement {
    /**
     * @param node        the node's index in the snapshot (for {@link ClusterSnapshot#reserve})
     * @param softIgnored true if soft rules had to be dropped to find it
     */
    record Placed(String nodeId, int node, boolean softIgnored) implements Placement { }

    /**
     * @param message    classic Swarm's opening ("Unable to find a node that satisfies the following conditions" and
     *                   one {@code [condition]} line per failing rule; "no resources available to schedule container";
     *                   "No healthy node available in the cluster"), then Shoal's per-node explanation
     * @param conditions the failing conditions listed in brackets
     * @param detail     Shoal's explanation alone: {@code no suitable node (insufficient memory on 3 nodes; …)}
     */
    record Unschedulable(String message, List<String> conditions, String detail) implements Placement { }
}
