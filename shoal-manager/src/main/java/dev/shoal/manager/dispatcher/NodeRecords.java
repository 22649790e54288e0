package dev.shoal.manager.dispatcher;

import dev.shoal.manager.state.ClusterStore;
import dev.shoal.manager.state.NodeRecord;
import dev.shoal.manager.state.StateEvent;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The committed node records, kept from the store's events (read once at start, then each change; rebuilt on a
 * snapshot install): the dispatcher is asked for every node on each placement, {@code info} and TLS handshake to a
 * node, so nothing is read or parsed per call. A commit's events are applied before it returns, so a heartbeat's own
 * registration is here when its commit returns.
 */
final class NodeRecords {
    private final ClusterStore store;
    private final Map<String, NodeRecord> byId = new ConcurrentSkipListMap<>();

    NodeRecords(ClusterStore store) {
        this.store = store;
        store.onEvent(this::apply);
        load();
    }

    private synchronized void load() {
        byId.clear();
        for (NodeRecord r : store.readAll(NodeRecord.PREFIX, NodeRecord.class)) {
            byId.put(r.id(), r);
        }
    }

    private synchronized void apply(StateEvent event) {
        switch (event) {
            case StateEvent.NodeChanged c when c.after() != null -> byId.put(c.after().id(), c.after());
            case StateEvent.NodeChanged c -> byId.remove(c.before().id());
            case StateEvent.SnapshotInstalled s -> load();
            default -> { }
        }
    }

    /** Every committed node record, in ID order. */
    List<NodeRecord> all() {
        return List.copyOf(byId.values());
    }

    /** Node {@code id}'s committed record, if any. */
    Optional<NodeRecord> get(String id) {
        return Optional.ofNullable(byId.get(id));
    }
}
