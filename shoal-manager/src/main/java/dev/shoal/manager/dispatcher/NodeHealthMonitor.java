package dev.shoal.manager.dispatcher;

import dev.shoal.manager.loops.ClusterLoop;
import dev.shoal.manager.state.ClusterStore;
import dev.shoal.manager.state.NodeRecord;
import dev.shoal.manager.state.NodeState;
import dev.shoal.manager.state.Txn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * The one place that decides a node is up or down: it compares each node's heartbeat health with its committed
 * {@link NodeState} and commits a change when they differ, so the state machine emits one transition (up, down,
 * returned) that every view and loop follows. Until it has run {@link Dispatcher#DEAD_AFTER} (nodes have had time
 * to send a heartbeat to a manager that just started or took over), it declares nobody down.
 */
public final class NodeHealthMonitor implements ClusterLoop {
    private static final Logger log = LoggerFactory.getLogger(NodeHealthMonitor.class);
    static final Duration TICK = Duration.ofMillis(500);

    private final ClusterStore store;
    private final Dispatcher dispatcher;
    private dev.shoal.manager.loops.Ticker timer;
    private volatile long startedNanos;

    public NodeHealthMonitor(ClusterStore store, Dispatcher dispatcher) {
        this.store = store;
        this.dispatcher = dispatcher;
    }

    @Override
    public String name() {
        return "node-health";
    }

    @Override
    public synchronized void start() {
        startedNanos = System.nanoTime();
        timer = dev.shoal.manager.loops.Ticker.start("node-health", Duration.ZERO, TICK, this::tick);
    }

    void tick() {
        try {
            boolean settled = System.nanoTime() - startedNanos >= Dispatcher.DEAD_AFTER.toNanos();
            Set<String> known = new HashSet<>();
            for (NodeStatus n : dispatcher.nodes()) {
                known.add(n.id());
                judge(n, settled);
            }
            // a removed node's state goes with it
            for (var e : store.scan(NodeState.PREFIX)) {
                String id = e.getKey().substring(NodeState.PREFIX.length());
                if (!known.contains(id) && store.get(NodeRecord.PREFIX + id).isEmpty()) {
                    store.commit(Txn.builder().requireValue(e.getKey(), e.getValue()).delete(e.getKey()).build());
                }
            }
        } catch (RuntimeException e) {
            log.warn("node health pass failed: {}", e.toString());
        }
    }

    private void judge(NodeStatus n, boolean settled) {
        boolean up = n.healthy();
        Optional<ClusterStore.Versioned<NodeState>> current = store.readVersioned(NodeState.key(n.id()), NodeState.class);
        if (current.isPresent() && current.get().value().up() == up) {
            return;
        }
        if (!up && (!settled || current.isEmpty())) {
            return; // never seen up: nothing to fail over; or too soon after start to tell
        }
        NodeState next = new NodeState(n.id(), up, System.currentTimeMillis(),
                up ? null : n.error() == null ? "unhealthy" : n.error());
        Txn txn = Txn.builder()
                .requireVersion(next.key(), current.map(ClusterStore.Versioned::version).orElse(0L))
                .put(next.key(), ClusterStore.toJson(next)).build();
        if (store.commit(txn).isEmpty()) {
            if (up) {
                log.info("node {} is up", n.name());
            } else {
                log.warn("node {} is down: {}", n.name(), next.reason());
            }
        }
    }

    @Override
    public synchronized void close() {
        if (timer != null) {
            timer.close();
        }
    }
}
