package dev.shoal.scheduler.filter;

import dev.shoal.scheduler.ClusterSnapshot;
import dev.shoal.scheduler.model.PortBinding;

/**
 * A host port already bound on a node excludes that node (random host ports never do). Bridge bindings and ports
 * exposed by host-network containers share the host's ports: either excludes the other.
 */
public record PortFilter(PortBinding port, long[] passing) implements Filter {
    public static PortFilter of(ClusterSnapshot s, PortBinding port, long[] boundOrNull, long[] all) {
        if (boundOrNull == null) {
            return new PortFilter(port, all);
        }
        long[] bits = new long[all.length];
        for (int w = 0; w < bits.length; w++) {
            bits[w] = all[w] & ~boundOrNull[w];
        }
        return new PortFilter(port, bits);
    }

    @Override
    public Stage stage() {
        return Stage.RULE;
    }

    @Override
    public String condition() {
        return port.condition();
    }

    @Override
    public boolean check(ClusterSnapshot s, int node) {
        return !s.portBound(node, port.key());
    }

    @Override
    public String explain(int failedNodes) {
        return "port " + port.key() + " already bound on " + Filter.nodes(failedNodes);
    }
}
