package dev.shoal.manager.views;

import dev.shoal.manager.dispatcher.Dispatcher;
import dev.shoal.manager.dispatcher.NodeStatus;
import dev.shoal.manager.engine.EngineClient;
import dev.shoal.manager.loops.ClusterLoop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Every node's containers, kept from each node's one event stream (see {@link NodeWatch}): what {@code docker ps}
 * and the container counters of {@code docker info} are answered from, and what the reconciler follows (its
 * {@link Listener} hears each load and each {@code destroy}). A node that still beats (healthy, or marked
 * unhealthy while its heartbeats arrive) is watched; one that falls silent or leaves stops being watched, and its
 * view is not ready until it is loaded again. Containers are also indexed by label key.
 */
public final class ContainerViews implements ClusterLoop {
    private static final Logger log = LoggerFactory.getLogger(ContainerViews.class);

    /** Hears what the views learn: a node's containers after each (re)load, and each container destroyed. */
    public interface Listener {
        default void loaded(NodeStatus node, NodeContainers view) {
        }

        default void destroyed(NodeStatus node, String engineId) {
        }

        /**
         * A node's entry was put ({@code after}, perhaps equal to {@code before} after a refresh) or dropped
         * ({@code after} null: destroyed, or the node left); called by the node's watch, one node at a time in order.
         */
        default void entryChanged(String nodeId, ContainerEntry before, ContainerEntry after) {
        }

        /** An image was pulled, tagged, untagged, removed, loaded or imported on the node's engine. */
        default void imagesChanged(NodeStatus node) {
        }
    }

    private final Dispatcher dispatcher;
    private final EngineClient engines;
    private final Map<String, NodeContainers> views = new ConcurrentHashMap<>();
    private final Map<String, NodeWatch> watches = new ConcurrentHashMap<>();
    private final Map<String, Set<ContainerEntry>> byLabelKey = new ConcurrentHashMap<>();
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();
    private dev.shoal.manager.loops.Ticker timer;
    /** Whole-node loads at once (a manager starting with thousands of nodes loads them a few dozen at a time). */
    final java.util.concurrent.Semaphore loads = new java.util.concurrent.Semaphore(32);

    public ContainerViews(Dispatcher dispatcher, EngineClient engines) {
        this.dispatcher = dispatcher;
        this.engines = engines;
    }

    public void listen(Listener l) {
        listeners.add(l);
    }

    @Override
    public String name() {
        return "container-views";
    }

    @Override
    public synchronized void start() {
        timer = dev.shoal.manager.loops.Ticker.start("views", Duration.ZERO, Duration.ofSeconds(1), this::tick);
    }

    @Override
    public synchronized void close() {
        if (timer != null) {
            timer.close();
            timer = null;
        }
        watches.values().forEach(NodeWatch::close);
        watches.clear();
        views.values().forEach(v -> v.ready(false));
    }

    /** Starts a watch for each node that beats and has none; stops those of nodes that fell silent or left. */
    private void tick() {
        try {
            Set<String> known = new java.util.HashSet<>();
            for (NodeStatus node : dispatcher.nodes()) {
                known.add(node.id());
                boolean watchable = node.healthy() || dispatcher.beating(node.record().address());
                NodeWatch w = watches.get(node.id());
                if (w != null && (!watchable || !w.address().equals(node.record().address()))) {
                    w.close();
                } else if (w == null && watchable) {
                    startWatch(node);
                }
            }
            for (String id : List.copyOf(views.keySet())) {
                if (!known.contains(id)) {
                    NodeWatch w = watches.remove(id);
                    if (w != null) {
                        w.close();
                    }
                    NodeContainers gone = views.remove(id);
                    if (gone != null) {
                        gone.clear();
                    }
                }
            }
        } catch (RuntimeException e) {
            log.warn("container views pass failed: {}", e.toString());
        }
    }

    private void startWatch(NodeStatus node) {
        NodeContainers view = views.computeIfAbsent(node.id(), id -> new NodeContainers(id, this));
        NodeWatch w = new NodeWatch(node, view, engines, this);
        watches.put(node.id(), w);
        Thread.ofVirtual().name("watch-" + node.name()).start(() -> {
            try {
                w.run();
            } finally {
                watches.remove(node.id(), w);
            }
        });
    }

    /** The node's view when it is loaded and following its events. */
    public Optional<NodeContainers> ready(String nodeId) {
        NodeContainers v = views.get(nodeId);
        return v != null && v.ready() ? Optional.of(v) : Optional.empty();
    }

    /** The manager changed this container for a caller: fetch it again before a list answers. */
    public void changed(String nodeId, String engineId) {
        NodeContainers v = views.get(nodeId);
        if (v != null) {
            v.mark(engineId);
        }
    }

    /** Entries (on any node) that carry label {@code key}. */
    public Set<ContainerEntry> withLabel(String key) {
        return byLabelKey.getOrDefault(key, Set.of());
    }

    // ---- from the node views ------------------------------------------------------------------------------

    void indexed(ContainerEntry old, ContainerEntry now) {
        if (old != null) {
            for (String k : old.labels().keySet()) {
                byLabelKey.computeIfPresent(k, (key, set) -> {
                    set.remove(old);
                    return set.isEmpty() ? null : set;
                });
            }
        }
        if (now != null) {
            for (String k : now.labels().keySet()) {
                byLabelKey.compute(k, (key, set) -> {
                    Set<ContainerEntry> s = set != null ? set : ConcurrentHashMap.newKeySet();
                    s.add(now);
                    return s;
                });
            }
        }
    }

    void entryChanged(String nodeId, ContainerEntry before, ContainerEntry after) {
        for (Listener l : listeners) {
            try {
                l.entryChanged(nodeId, before, after);
            } catch (RuntimeException e) {
                log.warn("view listener failed on a change on {}: {}", nodeId, e.toString());
            }
        }
    }

    void loaded(NodeStatus node, NodeContainers view) {
        for (Listener l : listeners) {
            try {
                l.loaded(node, view);
            } catch (RuntimeException e) {
                log.warn("view listener failed on {}'s load: {}", node.name(), e.toString());
            }
        }
    }

    void destroyed(NodeStatus node, String engineId) {
        for (Listener l : listeners) {
            try {
                l.destroyed(node, engineId);
            } catch (RuntimeException e) {
                log.warn("view listener failed on a destroy on {}: {}", node.name(), e.toString());
            }
        }
    }

    void imagesChanged(NodeStatus node) {
        for (Listener l : listeners) {
            try {
                l.imagesChanged(node);
            } catch (RuntimeException e) {
                log.warn("view listener failed on an image event on {}: {}", node.name(), e.toString());
            }
        }
    }
}
