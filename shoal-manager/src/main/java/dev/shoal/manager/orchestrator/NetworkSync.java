package dev.shoal.manager.orchestrator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shoal.manager.dispatcher.Dispatcher;
import dev.shoal.manager.engine.FanOut;
import dev.shoal.manager.networks.ClusterNetworks;
import dev.shoal.manager.dispatcher.NodeStatus;
import dev.shoal.manager.engine.EngineClient;
import dev.shoal.manager.state.NetworkRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Keeps every healthy node's copies of the cluster networks true to the records: a node that joined later (or was
 * down when a network was made) gets its copy; a copy whose network was removed while the node was away goes,
 * unless containers still use it. Each pass checks at most {@link #PER_PASS} nodes in turn (every node of a small
 * cluster each pass; each of 5,000 nodes every 100 s), plus, first, every node that just came up or returned.
 */
public final class NetworkSync implements dev.shoal.manager.loops.ClusterLoop {
    private static final Logger log = LoggerFactory.getLogger(NetworkSync.class);
    private static final String LABELLED = "/networks?filters="
            + FanOut.encode("{\"label\":[\"" + NetworkRecord.LABEL + "\"]}");

    private static final long GRACE_MILLIS = 30_000;
    /** Nodes checked in one pass (every 2 s) besides those that just came up: bounds the calls this loop makes. */
    static final int PER_PASS = 100;

    private final java.util.Set<String> cameUp = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private int cursor;

    private final Dispatcher dispatcher;
    private final EngineClient engines;
    private final ClusterNetworks networks;
    private dev.shoal.manager.loops.Ticker timer;

    public NetworkSync(dev.shoal.manager.state.ClusterStore store, Dispatcher dispatcher, EngineClient engines,
                       ClusterNetworks networks) {
        store.onEvent(e -> {
            if (e instanceof dev.shoal.manager.state.StateEvent.NodeTransition t
                    && t.transition() != dev.shoal.manager.state.StateEvent.Transition.DOWN) {
                cameUp.add(t.nodeId());
            }
        });
        this.dispatcher = dispatcher;
        this.engines = engines;
        this.networks = networks;
    }

    @Override
    public String name() {
        return "network-sync";
    }

    @Override
    public synchronized void start() {
        timer = dev.shoal.manager.loops.Ticker.start("network-sync", Duration.ofSeconds(1), Duration.ofSeconds(2), this::tick);
    }

    void tick() {
        try {
            Map<String, NetworkRecord> byId = new HashMap<>();
            // one lock with the API's create and remove: never a second copy made while a create is under way
            synchronized (ClusterNetworks.LOCK) {
                networks.records().forEach(r -> byId.put(r.id(), r));
                for (NodeStatus node : due(dispatcher.healthyNodes())) {
                    sync(node, byId);
                }
            }
        } catch (RuntimeException e) {
            log.warn("network sync pass failed: {}", e.toString());
        }
    }

    /** The nodes this pass checks: those that just came up, then the next {@link #PER_PASS} in turn. */
    List<NodeStatus> due(List<NodeStatus> healthy) {
        if (healthy.size() <= PER_PASS) {
            cameUp.clear();
            return healthy;
        }
        java.util.LinkedHashMap<String, NodeStatus> out = new java.util.LinkedHashMap<>();
        for (NodeStatus n : healthy) {
            if (cameUp.remove(n.id())) {
                out.put(n.id(), n);
            }
        }
        for (int i = 0; i < PER_PASS; i++) {
            NodeStatus n = healthy.get(Math.floorMod(cursor++, healthy.size()));
            out.putIfAbsent(n.id(), n);
        }
        return List.copyOf(out.values());
    }

    private void sync(NodeStatus node, Map<String, NetworkRecord> records) {
        EngineClient.Reply r = engines.get(node.record().address(), LABELLED);
        if (!r.ok()) {
            return;
        }
        Map<String, JsonNode> copies = new HashMap<>();
        for (JsonNode n : r.json()) {
            copies.put(n.path("Labels").path(NetworkRecord.LABEL).asText(), n);
        }
        for (NetworkRecord rec : records.values()) {
            if (!copies.containsKey(rec.id())) {
                EngineClient.Reply made = networks.createOn(node, rec);
                if (made.ok()) {
                    log.info("network {} created on {}", rec.name(), node.name());
                } else {
                    log.warn("network {} could not be created on {}: {}", rec.name(), node.name(), made.message());
                }
            }
        }
        copies.forEach((id, copy) -> {
            if (!records.containsKey(id) && copy.path("Containers").isEmpty()
                    && System.currentTimeMillis() - created(copy) > GRACE_MILLIS) {
                engines.delete(node.record().address(), "/networks/" + copy.path("Id").asText());
                log.info("network {} removed from {} (removed from the cluster)", copy.path("Name").asText(),
                        node.name());
            }
        });
    }

    /** A copy younger than the grace period may belong to a network still being created: never judged orphaned. */
    private static long created(JsonNode copy) {
        try {
            return java.time.OffsetDateTime.parse(copy.path("Created").asText()).toInstant().toEpochMilli();
        } catch (RuntimeException e) {
            return System.currentTimeMillis();
        }
    }

    @Override
    public synchronized void close() {
        if (timer != null) {
            timer.close();
        }
    }
}
