package dev.shoal.scheduler.filter;

import dev.shoal.scheduler.ClusterSnapshot;

/** The node label {@code containerslots=N} caps the containers on that node. Checked per node (counts change). */
public record SlotsFilter() implements Filter {
    @Override
    public Stage stage() {
        return Stage.RULE;
    }

    @Override
    public String condition() {
        return "available container slots";
    }

    @Override
    public boolean check(ClusterSnapshot s, int node) {
        return s.containerCount(node) < s.slots(node);
    }

    @Override
    public String explain(int failedNodes) {
        return "no container slot left on " + Filter.nodes(failedNodes);
    }
}
