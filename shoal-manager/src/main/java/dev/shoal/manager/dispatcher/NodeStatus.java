package dev.shoal.manager.dispatcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.shoal.manager.state.NodeRecord;

import java.time.Instant;

/** What the manager knows of one node right now: its committed record plus its latest report. */
public record NodeStatus(NodeRecord record, Health health, JsonNode engineInfo, JsonNode engineVersion,
                         String error, Instant updatedAt) {
    public enum Health { HEALTHY, UNHEALTHY, PENDING }

    public NodeStatus {
        engineInfo = engineInfo == null ? MissingNode.getInstance() : engineInfo;
        engineVersion = engineVersion == null ? MissingNode.getInstance() : engineVersion;
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
        return engineInfo.path("NCPU").asInt(0);
    }

    public long memoryBytes() {
        return engineInfo.path("MemTotal").asLong(0);
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
