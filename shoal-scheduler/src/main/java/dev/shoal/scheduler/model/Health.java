package dev.shoal.scheduler.model;

/**
 * A node's health as the scheduler sees it. {@link #HEALTHY} and {@link #DEGRADED} nodes can receive work
 * (degraded ones rank after every healthy one, as classic Swarm's health indicator did);
 * {@link #UNHEALTHY} and {@link #DOWN} nodes get nothing.
 */
public enum Health {
    HEALTHY, DEGRADED, UNHEALTHY, DOWN;

    public boolean schedulable() {
        return this == HEALTHY || this == DEGRADED;
    }
}
