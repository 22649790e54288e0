package dev.shoal.manager.loops;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * The one place cluster-wide loops are started and stopped. Today a manager is the whole cluster and runs them all
 * from start to close; the HA work calls {@link #start} on gaining leadership and {@link #stop} on losing it.
 */
public final class ClusterLoops implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClusterLoops.class);
    private final List<ClusterLoop> loops;
    private boolean running;

    public ClusterLoops(List<ClusterLoop> loops) {
        this.loops = List.copyOf(loops);
    }

    public synchronized void start() {
        if (running) {
            return;
        }
        running = true;
        for (ClusterLoop loop : loops) {
            loop.start();
            log.debug("cluster loop {} started", loop.name());
        }
    }

    /** Stops every loop, last started first; one that fails to stop does not keep the others running. */
    public synchronized void stop() {
        if (!running) {
            return;
        }
        running = false;
        List<ClusterLoop> reversed = new ArrayList<>(loops);
        java.util.Collections.reverse(reversed);
        for (ClusterLoop loop : reversed) {
            try {
                loop.close();
            } catch (RuntimeException e) {
                log.warn("cluster loop {} did not stop cleanly: {}", loop.name(), e.toString());
            }
        }
    }

    public synchronized boolean running() {
        return running;
    }

    public List<String> names() {
        return loops.stream().map(ClusterLoop::name).toList();
    }

    @Override
    public void close() {
        stop();
    }
}
