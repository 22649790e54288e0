package dev.shoal.scheduler.filter;

import dev.shoal.scheduler.ClusterSnapshot;

/**
 * One small check in the placement pipeline, bound to one request. {@link #check} is the plain per-node
 * evaluation (used to explain failures and as the reference in tests); {@link #passing} is the same answer for
 * all nodes at once when the filter can give it from an index (the scheduler then ANDs bitsets instead of calling
 * {@link #check} node by node).
 */
public interface Filter {
    /** Where a filter sits; it decides which classic Swarm message opens an explanation. */
    enum Stage { HEALTH, RULE, RESOURCE }

    Stage stage();

    /** The condition as classic Swarm listed it, without brackets: {@code node==node1}, {@code port 80/tcp}, … */
    String condition();

    /** Soft rules ({@code ==~}, {@code !=~}) are tried as hard rules first and dropped only if nothing fits. */
    default boolean soft() {
        return false;
    }

    boolean check(ClusterSnapshot snapshot, int node);

    /** The nodes passing, as a bitset over the snapshot's nodes (shared: never modify), or null if per node only. */
    default long[] passing() {
        return null;
    }

    /** What went wrong on {@code failedNodes} nodes, e.g. {@code insufficient memory on 3 nodes}. */
    String explain(int failedNodes);

    static String nodes(int count) {
        return count == 1 ? "1 node" : count + " nodes";
    }
}
