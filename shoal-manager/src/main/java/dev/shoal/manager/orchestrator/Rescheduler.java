package dev.shoal.manager.orchestrator;

import dev.shoal.manager.loops.ClusterLoop;
import dev.shoal.manager.loops.Ticker;
import dev.shoal.manager.state.ClusterStore;
import dev.shoal.manager.state.ContainerIndex;
import dev.shoal.manager.state.ContainerObserved;
import dev.shoal.manager.state.ContainerRecord;
import dev.shoal.manager.state.NodeState;
import dev.shoal.manager.state.ReschedulePolicy;
import dev.shoal.manager.state.StateEvent;
import dev.shoal.manager.state.Txn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Moves the containers of a node that is down (its committed {@link NodeState}) away from it, when their policy
 * asks ({@link ReschedulePolicy#ON_NODE_FAILURE}): each record goes back to pending, keeping its name, spec,
 * reservation and swarm ID, and the pending queue places it again through the scheduler — Pending while nothing
 * fits, made on a healthy node as soon as one does, and started there if it was running when last seen (its
 * {@link ContainerObserved} state; else the run state the user asked).
 *
 * <p>Level-triggered: every pass looks at every down node, so a manager that restarts in the middle of a move (or
 * that becomes leader after the node went down) finishes it; a record moves with a precondition on its value, so
 * a move happens once. The copy left on the lost node is removed there when it comes back ({@link Reconciler}).
 */
public final class Rescheduler implements ClusterLoop {
    private static final Logger log = LoggerFactory.getLogger(Rescheduler.class);
    static final Duration EVERY = Duration.ofSeconds(2);
    /** Records moved in one transaction at most. */
    static final int BATCH = 100;

    private final ClusterStore store;
    private final ContainerIndex containers;
    private final Duration every;
    private volatile Ticker timer;

    public Rescheduler(ClusterStore store, ContainerIndex containers) {
        this(store, containers, EVERY);
    }

    Rescheduler(ClusterStore store, ContainerIndex containers, Duration every) {
        this.store = store;
        this.containers = containers;
        this.every = every;
        store.onEvent(this::onEvent);
    }

    @Override
    public String name() {
        return "rescheduler";
    }

    @Override
    public synchronized void start() {
        timer = Ticker.start("rescheduler", Duration.ZERO, every, this::pass);
    }

    @Override
    public synchronized void close() {
        if (timer != null) {
            timer.close();
            timer = null;
        }
    }

    private void onEvent(StateEvent event) {
        Ticker t = timer;
        if (t != null && event instanceof StateEvent.NodeTransition n
                && n.transition() == StateEvent.Transition.DOWN) {
            t.execute(this::pass); // at once, not at the next tick
        }
    }

    /** One look at every down node: returns how many containers were moved away. */
    int pass() {
        try {
            Map<String, NodeState> down = new HashMap<>();
            for (NodeState s : store.readAll(NodeState.PREFIX, NodeState.class)) {
                if (!s.up()) {
                    down.put(s.nodeId(), s);
                }
            }
            if (down.isEmpty()) {
                return 0;
            }
            java.util.List<ContainerRecord> leaving = new java.util.ArrayList<>();
            for (ContainerRecord rec : containers.all()) {
                if (rec.nodeId() != null && down.containsKey(rec.nodeId())
                        && rec.reschedule() == ReschedulePolicy.ON_NODE_FAILURE) {
                    if (rec.spec() == null) {
                        log.warn("container {} cannot be rescheduled: its record keeps no create body", rec.name());
                    } else {
                        leaving.add(rec);
                    }
                }
            }
            if (leaving.isEmpty()) {
                return 0;
            }
            int moved = 0;
            for (int from = 0; from < leaving.size(); from += BATCH) {
                moved += moveAll(leaving.subList(from, Math.min(leaving.size(), from + BATCH)));
            }
            return moved;
        } catch (RuntimeException e) {
            log.warn("reschedule pass failed: {}", e.toString());
            return 0;
        }
    }

    /**
     * Moves these records in one transaction (a node's thirty containers wait for one commit, not thirty); if any
     * changed meanwhile, each is tried on its own.
     */
    private int moveAll(java.util.List<ContainerRecord> leaving) {
        Txn.Builder all = Txn.builder();
        java.util.List<ContainerRecord> waiting = new java.util.ArrayList<>();
        for (ContainerRecord rec : leaving) {
            ContainerRecord w = waiting(rec);
            all.requireValue(rec.key(), ClusterStore.toJson(rec)).put(w.key(), ClusterStore.toJson(w));
            waiting.add(w);
        }
        if (store.commit(all.build()).isEmpty()) {
            for (int i = 0; i < leaving.size(); i++) {
                moved(leaving.get(i), waiting.get(i));
            }
            return leaving.size();
        }
        int moved = 0;
        for (ContainerRecord rec : leaving) {
            if (move(rec)) {
                moved++;
            }
        }
        return moved;
    }

    /** The record back to pending, to run where it is made again if it ran when last seen. */
    private ContainerRecord waiting(ContainerRecord rec) {
        boolean run = lastSeenRunning(rec).orElse(rec.desiredRunning());
        return rec.unplaced("rescheduling: its node is down").withDesiredRunning(run);
    }

    private boolean move(ContainerRecord rec) {
        ContainerRecord waiting = waiting(rec);
        boolean done = store.commit(Txn.builder()
                .requireValue(rec.key(), ClusterStore.toJson(rec))
                .put(waiting.key(), ClusterStore.toJson(waiting))
                .build()).isEmpty();
        if (done) {
            moved(rec, waiting);
        }
        return done;
    }

    private static void moved(ContainerRecord rec, ContainerRecord waiting) {
        log.info("container {} ({}) rescheduled away from node {}, which is down; {}", rec.name(), rec.engineId(),
                rec.nodeId(), waiting.desiredRunning() ? "it was running: it is started where it is made again"
                        : "it was not running: it is only created again");
    }

    /** Whether the record's copy was running when its node last reported it (empty: no report of that copy). */
    private Optional<Boolean> lastSeenRunning(ContainerRecord rec) {
        return store.read(ContainerObserved.key(rec.swarmId()), ContainerObserved.class)
                .filter(o -> o.nodeId().equals(rec.nodeId())
                        && (rec.engineId() == null || rec.engineId().equals(o.engineId())))
                .map(ContainerObserved::running);
    }
}
