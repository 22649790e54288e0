package dev.shoal.scheduler.filter;

import dev.shoal.scheduler.ClusterSnapshot;

/** The node's unreserved memory must hold the request's reservation. */
public record MemoryFilter(long memory) implements Filter {
    @Override
    public Stage stage() {
        return Stage.RESOURCE;
    }

    @Override
    public String condition() {
        return "memory " + memory;
    }

    @Override
    public boolean check(ClusterSnapshot s, int node) {
        return s.reservedMemory(node) + memory <= s.totalMemory(node);
    }

    @Override
    public String explain(int failedNodes) {
        return "insufficient memory on " + Filter.nodes(failedNodes);
    }
}
