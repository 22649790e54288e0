package dev.shoal.scheduler.filter;

import dev.shoal.scheduler.ClusterSnapshot;
import dev.shoal.scheduler.model.Dependency;

/** --volumes-from, --link, --net container:X, --ipc container:X: the container must go where X runs. */
public record DependencyFilter(Dependency dependency, int node, long[] passing) implements Filter {
    public static DependencyFilter of(ClusterSnapshot s, Dependency d) {
        int at = s.nodeOfContainer(d.container());
        long[] bits = new long[(s.size() + 63) >>> 6];
        if (at >= 0) {
            bits[at >>> 6] |= 1L << at;
        }
        return new DependencyFilter(d, at, bits);
    }

    @Override
    public Stage stage() {
        return Stage.RULE;
    }

    @Override
    public String condition() {
        return dependency.toString();
    }

    @Override
    public boolean check(ClusterSnapshot s, int node) {
        return s.nodeOfContainer(dependency.container()) == node;
    }

    @Override
    public String explain(int failedNodes) {
        return node < 0 ? "dependency " + dependency + ": no such container"
                : "dependency " + dependency + " is on another node: " + Filter.nodes(failedNodes);
    }
}
