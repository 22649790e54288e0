package dev.shoal.manager.views;

import dev.shoal.manager.dispatcher.NodeStatus;
import dev.shoal.manager.loops.ClusterLoop;
import dev.shoal.manager.loops.Ticker;
import dev.shoal.manager.state.ClusterStore;
import dev.shoal.manager.state.ContainerIndex;
import dev.shoal.manager.state.ContainerObserved;
import dev.shoal.manager.state.ContainerRecord;
import dev.shoal.manager.state.StateEvent;
import dev.shoal.manager.state.Txn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one writer of {@link ContainerObserved} records: follows the node views (each node's event stream) and commits
 * what changed of the containers the manager made, a batch at a time ({@link #EVERY}, at most {@link #BATCH} records
 * in a transaction), so a burst of starts costs a few commits, not one each. Only a report from the node the record
 * names (and, once it has one, of the engine ID it names) is written: a stale copy seen on a node that came back
 * never overwrites the copy in use. A record's observed state is deleted when the record is.
 */
public final class ObservedStates implements ClusterLoop, ContainerViews.Listener {
    private static final Logger log = LoggerFactory.getLogger(ObservedStates.class);
    static final Duration EVERY = Duration.ofMillis(250);
    static final int BATCH = 500;

    private final ClusterStore store;
    private final ContainerIndex containers;
    /** Reports not yet committed, by swarm ID (a later report of the same container replaces an earlier one). */
    private final Map<String, ContainerObserved> waiting = new ConcurrentHashMap<>();
    /** Records removed whose observed state is to be deleted. */
    private final Set<String> gone = ConcurrentHashMap.newKeySet();
    /** What is committed (or about to be), so an unchanged report is not written again. */
    private final Map<String, ContainerObserved> written = new ConcurrentHashMap<>();
    private final Duration every;
    private volatile Ticker timer;

    public ObservedStates(ClusterStore store, ContainerIndex containers, ContainerViews views) {
        this(store, containers, views, EVERY);
    }

    /** With batches every {@code every} (a test drives {@link #flush} itself with a long one). */
    ObservedStates(ClusterStore store, ContainerIndex containers, ContainerViews views, Duration every) {
        this.every = every;
        this.store = store;
        this.containers = containers;
        views.listen(this);
        store.onEvent(this::onEvent);
    }

    @Override
    public String name() {
        return "observed-states";
    }

    @Override
    public synchronized void start() {
        written.clear();
        for (ContainerObserved o : store.readAll(ContainerObserved.PREFIX, ContainerObserved.class)) {
            if (containers.bySwarmId(o.swarmId()).isEmpty()) {
                gone.add(o.swarmId()); // its record went while no writer ran
            } else {
                written.put(o.swarmId(), o);
            }
        }
        timer = Ticker.start("observed-states", every, every, this::flush);
    }

    @Override
    public synchronized void close() {
        if (timer != null) {
            timer.close();
            timer = null;
        }
    }

    /** The container's last observed state, if a report of it was committed. */
    public Optional<ContainerObserved> of(String swarmId) {
        return store.read(ContainerObserved.key(swarmId), ContainerObserved.class);
    }

    // ---- from the views and the store ----------------------------------------------------------------------

    @Override
    public void entryChanged(String nodeId, ContainerEntry before, ContainerEntry after) {
        if (after != null) {
            report(nodeId, after);
        }
    }

    @Override
    public void loaded(NodeStatus node, NodeContainers view) {
        view.entries().forEach(e -> report(node.id(), e));
    }

    private void report(String nodeId, ContainerEntry e) {
        String swarmId = e.labels().get(ContainerRecord.SWARM_ID_LABEL);
        if (swarmId == null || timer == null) {
            return;
        }
        Optional<ContainerRecord> rec = containers.bySwarmId(swarmId);
        if (rec.isEmpty() || !nodeId.equals(rec.get().nodeId())
                || (rec.get().engineId() != null && !rec.get().engineId().equals(e.engineId()))) {
            return;
        }
        ContainerState s = e.state();
        Instant since = s.running() ? s.startedAt() : s.finishedAt();
        ContainerObserved o = new ContainerObserved(swarmId, nodeId, e.engineId(), s.status(), s.exitCode(),
                since == null ? 0 : since.toEpochMilli());
        if (!o.equals(written.get(swarmId))) {
            waiting.put(swarmId, o);
        }
    }

    private void onEvent(StateEvent event) {
        switch (event) {
            case StateEvent.ContainerChanged c when c.after() == null && c.before() != null -> {
                waiting.remove(c.before().swarmId());
                written.remove(c.before().swarmId());
                gone.add(c.before().swarmId()); // even if no write was seen yet: one may be in flight
            }
            default -> { }
        }
    }

    // ---- the writer -------------------------------------------------------------------------------------

    /** Commits what waits, a batch per transaction; what fails waits for the next tick. */
    synchronized void flush() {
        try {
            while (!gone.isEmpty() || !waiting.isEmpty()) {
                Txn.Builder txn = Txn.builder();
                List<String> deletes = new ArrayList<>();
                List<ContainerObserved> puts = new ArrayList<>();
                for (String id : gone) {
                    if (deletes.size() >= BATCH) {
                        break;
                    }
                    deletes.add(id);
                }
                for (ContainerObserved o : waiting.values()) {
                    if (deletes.size() + puts.size() >= BATCH) {
                        break;
                    }
                    puts.add(o);
                }
                for (String id : deletes) {
                    txn.delete(ContainerObserved.key(id));
                }
                for (ContainerObserved o : puts) {
                    txn.put(o.key(), ClusterStore.toJson(o));
                }
                store.commit(txn.build());
                deletes.forEach(gone::remove);
                for (ContainerObserved o : puts) {
                    waiting.remove(o.swarmId(), o);
                    if (containers.bySwarmId(o.swarmId()).isPresent()) {
                        written.put(o.swarmId(), o);
                    } else {
                        gone.add(o.swarmId()); // its record went while this was committed
                    }
                }
            }
        } catch (RuntimeException e) {
            log.warn("observed container states not written (tried again in {} ms): {}", every.toMillis(),
                    e.toString());
        }
    }
}
