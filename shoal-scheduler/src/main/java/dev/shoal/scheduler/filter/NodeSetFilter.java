package dev.shoal.scheduler.filter;

import dev.shoal.scheduler.ClusterSnapshot;
import dev.shoal.scheduler.model.NodeSet;

/** Only the nodes of a {@link NodeSet} pass. */
public record NodeSetFilter(NodeSet set, long[] passing) implements Filter {
    public static NodeSetFilter of(ClusterSnapshot s, NodeSet set) {
        long[] bits = new long[(s.size() + 63) >>> 6];
        for (String id : set.nodeIds()) {
            int i = s.indexOf(id);
            if (i >= 0) {
                bits[i >>> 6] |= 1L << i;
            }
        }
        return new NodeSetFilter(set, bits);
    }

    @Override
    public Stage stage() {
        return Stage.RULE;
    }

    @Override
    public String condition() {
        return set.condition();
    }

    @Override
    public boolean check(ClusterSnapshot s, int node) {
        return set.nodeIds().contains(s.id(node));
    }

    @Override
    public String explain(int failedNodes) {
        return set.missing() + " " + Filter.nodes(failedNodes);
    }
}
