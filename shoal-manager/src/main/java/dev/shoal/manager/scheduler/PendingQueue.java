package dev.shoal.manager.scheduler;

import dev.shoal.manager.state.ClusterStore;
import dev.shoal.manager.state.StateEvent;
import dev.shoal.manager.state.ContainerRecord;
import dev.shoal.manager.state.NodeRecord;
import dev.shoal.manager.state.Txn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * Places pending containers as soon as room may have appeared: after any change to container or node records
 * (a container removed or resized, a node joined, a label changed), and at least every {@link #TICK} (a node
 * turning healthy is not a state change). Pending records live in the replicated state, so a restarted manager
 * picks them up again.
 */
public final class PendingQueue implements dev.shoal.manager.loops.ClusterLoop {
    private static final Logger log = LoggerFactory.getLogger(PendingQueue.class);
    static final Duration TICK = Duration.ofSeconds(2);

    private final Placer placer;
    private final Semaphore wake = new Semaphore(0);
    private volatile boolean closed;
    private Thread thread;

    public PendingQueue(Placer placer, ClusterStore store) {
        this.placer = placer;
        store.onEvent(this::onEvent);
    }

    @Override
    public String name() {
        return "pending-queue";
    }

    @Override
    public synchronized void start() {
        closed = false;
        thread = Thread.ofVirtual().name("pending-queue").start(this::run);
    }

    /** A record or node changed: something pending may fit now. */
    private void onEvent(StateEvent event) {
        if (!(event instanceof StateEvent.NetworkChanged)) {
            wake.release();
        }
    }

    private void run() {
        while (!closed) {
            try {
                wake.tryAcquire(TICK.toMillis(), TimeUnit.MILLISECONDS);
                wake.drainPermits();
                if (!closed) {
                    placer.placePending();
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.warn("pending placement pass failed: {}", e.toString());
            }
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (thread != null) {
            thread.interrupt();
        }
    }
}
