package dev.shoal.manager.state;

/**
 * A typed change to the cluster state, emitted by the state machine after each applied transaction (one event per
 * record written, in the order written) and when a snapshot replaces the whole state. Views (container index,
 * scheduler snapshot, pending queue) follow these instead of reading raw keys.
 */
public sealed interface StateEvent {
    /** The log index of the entry that made the change. */
    long index();

    enum Change { ADDED, UPDATED, REMOVED }

    /** A node record joined, changed (name, address, labels) or was removed. */
    record NodeChanged(long index, Change change, NodeRecord before, NodeRecord after) implements StateEvent { }

    /** A container record was made (placed or pending), changed (placed, created, renamed, reservation) or removed. */
    record ContainerChanged(long index, Change change, ContainerRecord before, ContainerRecord after)
            implements StateEvent { }

    /** A cluster network was made or removed. */
    record NetworkChanged(long index, Change change, NetworkRecord before, NetworkRecord after) implements StateEvent { }

    /** A named volume was given a node ({@code nodeAfter}), moved, or freed ({@code nodeAfter} null). */
    record VolumeChanged(long index, Change change, String name, String nodeBefore, String nodeAfter)
            implements StateEvent {
        /** {@code volume/NAME} holds the ID of the node the named volume was given. */
        public static final String KEY_PREFIX = "volume/";
    }

    /** How a node's observed state moved: first seen up, gone down, or back up after being down. */
    enum Transition { UP, DOWN, RETURNED }

    /** A node's observed state changed (see {@link NodeState}); {@code state} is the new one. */
    record NodeTransition(long index, String nodeId, Transition transition, NodeState state) implements StateEvent { }

    /**
     * The whole state was replaced by a snapshot (a follower catching up): every view must rebuild from the store,
     * since no per-record events tell what changed.
     */
    record SnapshotInstalled(long index) implements StateEvent { }
}
