package dev.shoal.manager.networks;

import dev.shoal.manager.dispatcher.NodeStatus;
import dev.shoal.manager.engine.EngineClient;
import dev.shoal.manager.state.ClusterStore;
import dev.shoal.manager.state.NetworkRecord;

import java.util.List;

/**
 * Cluster networks: one record each, and a copy under the plain name on every node's engine. Shared by the API's
 * {@code docker network …} and the loop that re-makes missing copies, so both take the same lock.
 */
public final class ClusterNetworks {
    /** Held while copies are made or removed, by the API and by {@code NetworkSync}. */
    public static final Object LOCK = new Object();

    private final ClusterStore store;
    private final EngineClient engines;

    public ClusterNetworks(ClusterStore store, EngineClient engines) {
        this.store = store;
        this.engines = engines;
    }

    /** The cluster networks, by ID. */
    public List<NetworkRecord> records() {
        return store.readAll(NetworkRecord.PREFIX, NetworkRecord.class);
    }

    /** Creates the record's copy on one node. */
    public EngineClient.Reply createOn(NodeStatus node, NetworkRecord rec) {
        return engines.post(node.record().address(), "/networks/create", ClusterStore.jsonBytes(rec.spec()));
    }
}
