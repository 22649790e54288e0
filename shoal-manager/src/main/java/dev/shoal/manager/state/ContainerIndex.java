package dev.shoal.manager.state;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/** Container records kept in memory, indexed by swarm ID, name and engine ID; follows every applied change. */
public final class ContainerIndex {
    private final Map<String, ContainerRecord> bySwarmId = new ConcurrentHashMap<>();
    private final Map<String, ContainerRecord> byName = new ConcurrentHashMap<>();
    private final Map<String, ContainerRecord> byEngineId = new ConcurrentHashMap<>();
    /** The pending records (on no node yet), so a pass over them never walks every container. */
    private final Map<String, ContainerRecord> pending = new ConcurrentHashMap<>();

    private final ClusterStore store;

    public ContainerIndex(ClusterStore store) {
        this.store = store;
        store.onEvent(this::apply);
        load();
    }

    private synchronized void load() {
        for (var e : store.scan(ContainerRecord.PREFIX)) {
            add(ClusterStore.fromJson(e.getValue(), ContainerRecord.class));
        }
    }

    private synchronized void apply(StateEvent event) {
        switch (event) {
            case StateEvent.ContainerChanged c when c.after() != null -> replace(c.after());
            case StateEvent.ContainerChanged c -> remove(c.before().swarmId());
            case StateEvent.SnapshotInstalled s -> {
                for (ContainerRecord r : List.copyOf(bySwarmId.values())) {
                    remove(r.swarmId());
                }
                load();
            }
            default -> { }
        }
    }

    /**
     * A new version of a record takes the old one's place in one step: a reader (a scheduler snapshot) sees the old
     * or the new, never neither. Its name and engine ID entries follow; the old ones go only if they changed.
     */
    private void replace(ContainerRecord r) {
        ContainerRecord old = bySwarmId.put(r.swarmId(), r);
        if (r.isPending()) {
            pending.put(r.swarmId(), r);
        } else {
            pending.remove(r.swarmId());
        }
        if (r.name() != null) {
            byName.put(r.name(), r);
        }
        if (r.engineId() != null) {
            byEngineId.put(r.engineId(), r);
        }
        if (old != null) {
            if (old.name() != null && !old.name().equals(r.name())) {
                byName.remove(old.name(), old);
            }
            if (old.engineId() != null && !old.engineId().equals(r.engineId())) {
                byEngineId.remove(old.engineId(), old);
            }
        }
    }

    private void add(ContainerRecord r) {
        replace(r);
    }

    private void remove(String swarmId) {
        ContainerRecord old = bySwarmId.remove(swarmId);
        pending.remove(swarmId);
        if (old != null) {
            if (old.name() != null) {
                byName.remove(old.name(), old);
            }
            if (old.engineId() != null) {
                byEngineId.remove(old.engineId(), old);
            }
        }
    }

    /** An exact match on name, swarm ID or engine ID. */
    public Optional<ContainerRecord> exact(String ref) {
        ContainerRecord r = byName.get(ref);
        if (r == null) {
            r = bySwarmId.get(ref);
        }
        if (r == null) {
            r = byEngineId.get(ref);
        }
        return Optional.ofNullable(r);
    }

    public Optional<ContainerRecord> bySwarmId(String swarmId) {
        return Optional.ofNullable(bySwarmId.get(swarmId));
    }

    /**
     * The record of a copy found on {@code nodeId} carrying {@code swarmId}, if that record names no node or another
     * one: the copy was left behind when its node was lost and the container rescheduled.
     */
    public Optional<ContainerRecord> movedAway(String swarmId, String nodeId) {
        return swarmId == null ? Optional.empty() : bySwarmId(swarmId).filter(r -> !nodeId.equals(r.nodeId()));
    }

    public Optional<ContainerRecord> byName(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public Optional<ContainerRecord> byEngineId(String id) {
        return Optional.ofNullable(byEngineId.get(id));
    }

    /** Records whose swarm ID starts with {@code prefix}. */
    public List<ContainerRecord> bySwarmIdPrefix(String prefix) {
        return bySwarmId.values().stream().filter(r -> r.swarmId().startsWith(prefix)).toList();
    }

    /** The records no node holds yet. */
    public Collection<ContainerRecord> pending() {
        return List.copyOf(pending.values());
    }

    public Collection<ContainerRecord> all() {
        return List.copyOf(bySwarmId.values());
    }

    public long countOnNode(String nodeId) {
        return bySwarmId.values().stream().filter(r -> nodeId.equals(r.nodeId())).count();
    }
}
