package dev.shoal.manager.orchestrator;

import dev.shoal.manager.dispatcher.Dispatcher;
import dev.shoal.manager.state.ContainerIndex;
import dev.shoal.manager.dispatcher.NodeStatus;
import dev.shoal.manager.engine.EngineClient;
import dev.shoal.manager.state.ClusterStore;
import dev.shoal.manager.state.ContainerRecord;
import dev.shoal.manager.state.Txn;
import dev.shoal.manager.views.ContainerEntry;
import dev.shoal.manager.views.ContainerViews;
import dev.shoal.manager.views.NodeContainers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Keeps container records true to the engines: a container removed on its node (by {@code --rm}, or behind the
 * manager's back) loses its record, so its name and reservation are freed. It follows the container views (one
 * event stream per node, see {@link ContainerViews}): each time a node's view is loaded it compares the node's
 * containers with the records, then it hears the node's {@code destroy} events.
 */
public final class Reconciler implements dev.shoal.manager.loops.ClusterLoop, ContainerViews.Listener {
    private static final Logger log = LoggerFactory.getLogger(Reconciler.class);
    /** A record younger than this may still be in creation: never judged missing. */
    private static final Duration GRACE = Duration.ofSeconds(30);
    /**
     * A placed record without an engine ID this old had its create's answer lost (longer than a create call may
     * take): its node is asked again, each tick, until it says whether it made the container.
     */
    private static final Duration LOST_ANSWER = Duration.ofSeconds(90);

    private final ClusterStore store;
    private final ContainerIndex containers;
    private final Dispatcher dispatcher;
    private final EngineClient engines;
    private final ContainerViews views;
    private volatile boolean running;
    private dev.shoal.manager.loops.Ticker timer;

    public Reconciler(ClusterStore store, ContainerIndex containers, Dispatcher dispatcher, EngineClient engines,
                      ContainerViews views) {
        this.store = store;
        this.containers = containers;
        this.dispatcher = dispatcher;
        this.engines = engines;
        this.views = views;
        views.listen(this);
    }

    @Override
    public String name() {
        return "reconciler";
    }

    @Override
    public synchronized void start() {
        running = true;
        timer = dev.shoal.manager.loops.Ticker.start("reconciler", Duration.ZERO, Duration.ofSeconds(2), this::tick);
        // views loaded before this start were not heard (running was false): compare them now
        timer.execute(() -> {
            for (NodeStatus node : dispatcher.nodes()) {
                views.ready(node.id()).ifPresent(v -> reconcile(node, v));
            }
        });
    }

    private void tick() {
        try {
            long cutoff = System.currentTimeMillis() - LOST_ANSWER.toMillis();
            Set<String> unresolved = new HashSet<>();
            for (ContainerRecord rec : containers.all()) {
                // placed, never heard of since: its create's answer was lost (the node did not say)
                if (!rec.isPending() && rec.engineId() == null && rec.createdAtMillis() < cutoff) {
                    unresolved.add(rec.nodeId());
                }
            }
            for (NodeStatus node : dispatcher.healthyNodes()) {
                if (unresolved.contains(node.id())) {
                    views.ready(node.id()).ifPresent(v -> reconcile(node, v));
                }
            }
        } catch (RuntimeException e) {
            log.warn("reconcile pass failed: {}", e.toString());
        }
    }

    @Override
    public void loaded(NodeStatus node, NodeContainers view) {
        if (running) {
            reconcile(node, view);
        }
    }

    @Override
    public void destroyed(NodeStatus node, String engineId) {
        if (running) {
            containers.byEngineId(engineId).ifPresent(rec -> forget(rec, "removed"));
        }
    }

    /** Drops the records of this node's containers that its engine no longer has. */
    void reconcile(NodeStatus node, NodeContainers view) {
        Set<String> present = new HashSet<>();
        Map<String, String> engineIdBySwarmId = new java.util.HashMap<>();
        for (ContainerEntry c : view.entries()) {
            present.add(c.engineId());
            String swarmId = c.labels().get(ContainerRecord.SWARM_ID_LABEL);
            if (swarmId != null) {
                engineIdBySwarmId.put(swarmId, c.engineId());
            }
        }
        for (ContainerEntry c : view.entries()) {
            containers.movedAway(c.labels().get(ContainerRecord.SWARM_ID_LABEL), node.id())
                    .ifPresent(rec -> leftBehind(node, c, rec));
        }
        long cutoff = System.currentTimeMillis() - GRACE.toMillis();
        for (ContainerRecord rec : containers.all()) {
            if (!node.id().equals(rec.nodeId()) || rec.createdAtMillis() >= cutoff) {
                continue;
            }
            if (rec.engineId() == null) {
                // the manager stopped between committing the record and hearing the engine's answer
                String found = engineIdBySwarmId.get(rec.swarmId());
                if (found != null) {
                    var conflict = store.commit(Txn.builder()
                            .requireValue(rec.key(), ClusterStore.toJson(rec))
                            .put(rec.key(), ClusterStore.toJson(rec.withEngineId(found))).build());
                    if (conflict.isEmpty() && rec.desiredRunning()) {
                        // a pending container placed just before the crash: its start was asked for
                        engines.post(node.record().address(), "/containers/" + found + "/start", null);
                    }
                } else if (rec.spec() != null) {
                    // a pending container whose placement the crash interrupted: it waits again, it is not lost
                    store.commit(Txn.builder().requireValue(rec.key(), ClusterStore.toJson(rec))
                            .put(rec.key(), ClusterStore.toJson(rec.unplaced("placement on " + node.name()
                                    + " was interrupted; waiting to be placed again"))).build());
                } else {
                    forget(rec, "never created on " + node.name());
                }
            } else if (!present.contains(rec.engineId())) {
                forget(rec, "gone from " + node.name());
            }
        }
    }

    /**
     * A copy on {@code node} of a container whose record names no node or another one: its node was lost and the
     * container rescheduled. If it still waits for a node, it stays here as it is (adopted: nothing is made twice);
     * if it was made elsewhere, this copy is removed before the node's containers are listed as running again.
     */
    void leftBehind(NodeStatus node, ContainerEntry copy, ContainerRecord rec) {
        if (rec.isPending()) {
            ContainerRecord adopted = rec.placedOn(node.id()).withEngineId(copy.engineId());
            boolean done = store.commit(Txn.builder()
                    .requireValue(rec.key(), ClusterStore.toJson(rec))
                    .put(adopted.key(), ClusterStore.toJson(adopted)).build()).isEmpty();
            if (done) {
                log.info("container {} ({}): its node {} came back before it was made elsewhere; kept there",
                        rec.name(), copy.engineId(), node.name());
                return;
            }
            rec = containers.bySwarmId(rec.swarmId()).orElse(null);
            if (rec == null || rec.isPending() || node.id().equals(rec.nodeId())) {
                return; // removed, still waiting, or adopted: the next load looks again
            }
        }
        EngineClient.Reply r = engines.delete(node.record().address(),
                "/containers/" + copy.engineId() + "?force=1&v=0");
        if (r.ok() || r.status() == 404) {
            log.info("container {}: the copy {} left on {} was removed (it runs as {} on node {})", rec.name(),
                    copy.engineId(), node.name(), rec.engineId(), rec.nodeId());
            views.changed(node.id(), copy.engineId());
        } else {
            log.warn("container {}: the copy {} left on {} could not be removed: {}", rec.name(), copy.engineId(),
                    node.name(), r.message());
        }
    }

    private void forget(ContainerRecord rec, String why) {
        var conflict = store.commit(Txn.builder()
                .requireValue(rec.key(), ClusterStore.toJson(rec))
                .delete(rec.key())
                .delete(ContainerRecord.nameKey(rec.name()))
                .build());
        if (conflict.isEmpty()) {
            log.debug("container {} ({}) {}: record dropped", rec.name(), rec.engineId(), why);
        }
    }

    @Override
    public synchronized void close() {
        running = false;
        if (timer != null) {
            timer.close();
        }
    }
}
