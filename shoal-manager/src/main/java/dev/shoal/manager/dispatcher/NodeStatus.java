package dev.shoal.manager.dispatcher;

import dev.shoal.manager.state.NodeRecord;

import java.time.Instant;

/** What the manager knows of one node right now: its committed record plus its latest report. */
public record NodeStatus(NodeRecord record, Health health, EngineInfo engine, String error, Instant updatedAt) {
    public enum Health { HEALTHY, UNHEALTHY, PENDING }

    public NodeStatus {
        engine = engine == null ? EngineInfo.NONE : engine;
    }

    public boolean healthy() {
        return health == Health.HEALTHY;
    }

    public String id() {
        return record.id();
    }

    public String name() {
        return record.name();
    }

    public int cpus() {
        return engine.cpus();
    }

    public long memoryBytes() {
        return engine.memoryBytes();
    }

    /** "Healthy", "Unhealthy" or "Pending", as classic Swarm printed it. */
    public String healthText() {
        return switch (health) {
            case HEALTHY -> "Healthy";
            case UNHEALTHY -> "Unhealthy";
            case PENDING -> "Pending";
        };
    }
}
