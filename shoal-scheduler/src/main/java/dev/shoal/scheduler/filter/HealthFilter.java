package dev.shoal.scheduler.filter;

import dev.shoal.scheduler.ClusterSnapshot;

/** Nodes that are down or unhealthy get nothing. */
public record HealthFilter(long[] passing) implements Filter {
    @Override
    public Stage stage() {
        return Stage.HEALTH;
    }

    @Override
    public String condition() {
        return "node healthy";
    }

    @Override
    public boolean check(ClusterSnapshot s, int node) {
        return s.health(node).schedulable();
    }

    @Override
    public String explain(int failedNodes) {
        return "unhealthy or down: " + Filter.nodes(failedNodes);
    }
}
