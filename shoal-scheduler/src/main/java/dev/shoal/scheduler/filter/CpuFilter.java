package dev.shoal.scheduler.filter;

import dev.shoal.scheduler.ClusterSnapshot;

/** The node's unreserved CPU must hold the request's reservation (NanoCPUs). */
public record CpuFilter(long nanoCpus) implements Filter {
    @Override
    public Stage stage() {
        return Stage.RESOURCE;
    }

    @Override
    public String condition() {
        return "nanocpus " + nanoCpus;
    }

    @Override
    public boolean check(ClusterSnapshot s, int node) {
        return s.reservedNanoCpus(node) + nanoCpus <= s.totalNanoCpus(node);
    }

    @Override
    public String explain(int failedNodes) {
        return "insufficient CPU on " + Filter.nodes(failedNodes);
    }
}
