package dev.shoal.manager.orchestrator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shoal.manager.dispatcher.Dispatcher;
import dev.shoal.manager.engine.FanOut;
import dev.shoal.manager.state.ContainerIndex;
import dev.shoal.manager.dispatcher.NodeStatus;
import dev.shoal.manager.engine.EngineClient;
import dev.shoal.manager.state.ClusterStore;
import dev.shoal.manager.state.ContainerRecord;
import dev.shoal.manager.state.Txn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Keeps container records true to the engines: a container removed on its node (by {@code --rm}, or behind the
 * manager's back) loses its record, so its name and reservation are freed. Each healthy node gets a watcher that
 * first compares the node's containers with the records, then follows the node's {@code destroy} events.
 */
public final class Reconciler implements dev.shoal.manager.loops.ClusterLoop {
    private static final Logger log = LoggerFactory.getLogger(Reconciler.class);
    /** A record younger than this may still be in creation: never judged missing. */
    private static final Duration GRACE = Duration.ofSeconds(30);
    /**
     * A placed record without an engine ID this old had its create's answer lost (longer than a create call may
     * take): its node is asked again, each tick, until it says whether it made the container.
     */
    private static final Duration LOST_ANSWER = Duration.ofSeconds(90);
    private static final String DESTROY_EVENTS = "/events?filters="
            + FanOut.encode("{\"type\":[\"container\"],\"event\":[\"destroy\"]}");

    private final ClusterStore store;
    private final ContainerIndex containers;
    private final Dispatcher dispatcher;
    private final EngineClient engines;
    private final Map<String, InputStream> watching = new ConcurrentHashMap<>();
    private ScheduledExecutorService timer;

    public Reconciler(ClusterStore store, ContainerIndex containers, Dispatcher dispatcher, EngineClient engines) {
        this.store = store;
        this.containers = containers;
        this.dispatcher = dispatcher;
        this.engines = engines;
    }

    @Override
    public String name() {
        return "reconciler";
    }

    @Override
    public synchronized void start() {
        timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("reconciler").factory());
        timer.scheduleWithFixedDelay(this::tick, 0, 2, TimeUnit.SECONDS);
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
                if (!watching.containsKey(node.id())) {
                    watching.put(node.id(), InputStream.nullInputStream());
                    Thread.ofVirtual().name("watch-" + node.name()).start(() -> watch(node));
                } else if (unresolved.contains(node.id())) {
                    reconcile(node);
                }
            }
        } catch (RuntimeException e) {
            log.warn("reconcile pass failed: {}", e.toString());
        }
    }

    private void watch(NodeStatus node) {
        String address = node.record().address();
        try {
            var res = engines.stream(address, DESTROY_EVENTS);
            if (res.statusCode() != 200) {
                return;
            }
            watching.put(node.id(), res.body());
            reconcile(node);
            try (var reader = new BufferedReader(new InputStreamReader(res.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    if (!line.isBlank()) {
                        onDestroy(ClusterStore.JSON.readTree(line));
                    }
                }
            }
        } catch (Exception e) {
            log.debug("watch of {} ended: {}", node.name(), e.toString());
        } finally {
            watching.remove(node.id());
        }
    }

    /** Drops the records of this node's containers that its engine no longer has. */
    void reconcile(NodeStatus node) {
        EngineClient.Reply r = engines.get(node.record().address(), "/containers/json?all=1&filters="
                + FanOut.encode("{\"label\":[\"" + ContainerRecord.SWARM_ID_LABEL + "\"]}"));
        if (!r.ok()) {
            return;
        }
        Set<String> present = new HashSet<>();
        Map<String, String> engineIdBySwarmId = new java.util.HashMap<>();
        for (JsonNode c : r.json()) {
            present.add(c.path("Id").asText());
            engineIdBySwarmId.put(c.path("Labels").path(ContainerRecord.SWARM_ID_LABEL).asText(), c.path("Id").asText());
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
                    if (conflict.isEmpty() && rec.startRequested()) {
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

    private void onDestroy(JsonNode event) {
        String engineId = event.path("Actor").path("ID").asText(event.path("id").asText());
        containers.byEngineId(engineId).ifPresent(rec -> forget(rec, "removed"));
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
        if (timer != null) {
            timer.shutdownNow();
        }
        watching.values().forEach(in -> {
            try {
                in.close();
            } catch (Exception ignored) {
                // closing
            }
        });
    }
}
