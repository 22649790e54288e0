package dev.shoal.manager.scheduler;

import dev.shoal.manager.state.ContainerRecord;
import dev.shoal.manager.state.StateEvent;
import dev.shoal.scheduler.ClusterSnapshot;
import dev.shoal.scheduler.model.ContainerInfo;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The scheduler's snapshot kept up to date from state events instead of rebuilt for every decision: a container
 * placed, created, changed or removed is reserved or released in place; a change to the nodes (a record, a
 * transition, engine facts from a heartbeat) or a snapshot install marks it stale, and the next decision rebuilds it
 * once. Every change is an upsert or a removal by swarm ID, so an event that arrives after a rebuild already saw
 * its record leaves the same snapshot (events and rebuilds may interleave in any order and converge).
 *
 * <p>All use of the snapshot is under this view's lock ({@link #read}), since events change it on the state
 * machine's thread.
 */
public final class SchedulerView {
    private final Supplier<ClusterSnapshot> rebuild;
    private ClusterSnapshot snapshot;
    /** swarm ID → the ID the snapshot knows the container by (its engine ID once created, else its swarm ID). */
    private final Map<String, String> placed = new HashMap<>();
    private long rebuilds;
    /** Placed records decided but not yet committed: held in the snapshot, across rebuilds, until committed. */
    private final Map<String, ContainerRecord> inFlight = new HashMap<>();

    /** @param rebuild the snapshot from scratch: every node and every placed record, as read now */
    public SchedulerView(Supplier<ClusterSnapshot> rebuild) {
        this.rebuild = rebuild;
    }

    /** Runs {@code use} on the current snapshot (rebuilt first if stale) under the view's lock. */
    public synchronized <T> T read(Function<ClusterSnapshot, T> use) {
        if (snapshot == null) {
            snapshot = rebuild.get();
            rebuilds++;
            placed.clear();
            for (int node = 0; node < snapshot.size(); node++) {
                snapshot.forEachContainer(node, c -> {
                    String swarmId = c.labels().get(ContainerRecord.SWARM_ID_LABEL);
                    if (swarmId != null) {
                        placed.put(swarmId, c.id());
                    }
                });
            }
            for (ContainerRecord held : inFlight.values()) {
                int node = snapshot.indexOf(held.nodeId());
                if (!placed.containsKey(held.swarmId()) && node >= 0) {
                    try {
                        ContainerInfo info = Placer.containerInfo(held);
                        snapshot.addContainer(node, info);
                        placed.put(held.swarmId(), info.id());
                    } catch (RuntimeException e) {
                        // no longer fits as the records are now: its commit decides
                    }
                }
            }
        }
        return use.apply(snapshot);
    }

    /**
     * A placement decided and about to be committed: the snapshot holds it now (so the next decision counts it) and
     * keeps holding it across rebuilds until {@link #release}.
     */
    public synchronized void hold(ContainerRecord placed) {
        inFlight.put(placed.swarmId(), placed);
        containerChanged(null, placed);
    }

    /**
     * The commit of a held placement ended: if it was committed, its event has already put the record in the
     * snapshot; if not, the hold is taken out.
     */
    public synchronized void release(ContainerRecord placed, boolean committed) {
        inFlight.remove(placed.swarmId());
        if (!committed) {
            containerChanged(placed, null);
        }
    }

    /** How many times the snapshot was built from scratch (a test and a benchmark read it). */
    public synchronized long rebuilds() {
        return rebuilds;
    }

    /** The nodes changed: the next decision rebuilds. */
    public synchronized void invalidate() {
        snapshot = null;
    }

    public void onEvent(StateEvent event) {
        switch (event) {
            case StateEvent.ContainerChanged c -> containerChanged(c.before(), c.after());
            case StateEvent.NodeChanged n -> invalidate();
            case StateEvent.NodeTransition t -> invalidate();
            case StateEvent.SnapshotInstalled s -> invalidate();
            default -> { }
        }
    }

    /** A container record went from {@code before} to {@code after} (either may be null). */
    public synchronized void containerChanged(ContainerRecord before, ContainerRecord after) {
        if (snapshot == null) {
            return; // the next rebuild reads the record as it is then
        }
        String swarmId = after != null ? after.swarmId() : before.swarmId();
        try {
            String known = placed.get(swarmId);
            if (known != null) {
                snapshot.removeContainer(known);
            }
            placed.remove(swarmId);
            if (after != null && !after.isPending()) {
                int node = snapshot.indexOf(after.nodeId());
                if (node < 0) {
                    snapshot = null; // a node the snapshot does not know yet
                    return;
                }
                ContainerInfo info = Placer.containerInfo(after);
                snapshot.addContainer(node, info);
                placed.put(swarmId, info.id());
            }
        } catch (RuntimeException e) {
            // a record the snapshot cannot hold as a placement (over its node's room, a port taken twice): rebuilt
            // as the records are, exactly as a fresh snapshot would show it
            snapshot = null;
        }
    }

}
