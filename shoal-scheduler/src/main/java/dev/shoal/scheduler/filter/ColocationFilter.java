package dev.shoal.scheduler.filter;

import dev.shoal.scheduler.ClusterSnapshot;
import dev.shoal.scheduler.model.Dependency;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Dependencies ({@code --link}, {@code --volumes-from}, {@code --net/--ipc container:X}) on containers that run on
 * different nodes: one engine runs the new container, so no node can honour them all (containers on two nodes share
 * no network or volumes yet). In the pipeline only when that is the case; it fails every node and says which
 * container is where and how to place them together.
 *
 * @param dependencies the request's dependencies whose container was found
 * @param nodeNames    the node of each, in the same order
 */
public record ColocationFilter(List<Dependency> dependencies, List<String> nodeNames, long[] passing)
        implements Filter {
    /** The filter for a request's dependencies, or null if those that exist are all on one node. */
    public static ColocationFilter of(ClusterSnapshot s, List<Dependency> dependencies) {
        if (dependencies.size() < 2) {
            return null;
        }
        List<Dependency> found = new ArrayList<>();
        List<String> names = new ArrayList<>();
        Set<Integer> nodes = new LinkedHashSet<>();
        for (Dependency d : dependencies) {
            int at = s.nodeOfContainer(d.container());
            if (at >= 0) {
                found.add(d);
                names.add(s.name(at));
                nodes.add(at);
            }
        }
        return nodes.size() < 2 ? null
                : new ColocationFilter(List.copyOf(found), List.copyOf(names), new long[(s.size() + 63) >>> 6]);
    }

    @Override
    public Stage stage() {
        return Stage.RULE;
    }

    @Override
    public String condition() {
        List<String> deps = new ArrayList<>();
        dependencies.forEach(d -> deps.add(d.toString()));
        return String.join(" and ", new LinkedHashSet<>(deps)) + " on one node";
    }

    @Override
    public boolean check(ClusterSnapshot s, int node) {
        for (Dependency d : dependencies) {
            if (s.nodeOfContainer(d.container()) != node) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String explain(int failedNodes) {
        List<String> where = new ArrayList<>();
        String anchor = dependencies.getFirst().container();
        String anchorNode = nodeNames.getFirst();
        Set<String> toMove = new LinkedHashSet<>();
        Set<String> seen = new LinkedHashSet<>();
        for (int i = 0; i < dependencies.size(); i++) {
            Dependency d = dependencies.get(i);
            if (seen.add(d.toString())) {
                where.add(d + " is on " + nodeNames.get(i));
            }
            if (!nodeNames.get(i).equals(anchorNode)) {
                toMove.add(d.container());
            }
        }
        return "the containers it depends on are on different nodes (" + String.join(", ", where)
                + "), but one engine must run a container and every container it links to or shares volumes,"
                + " network or IPC with, and containers on different nodes share no network yet; place them"
                + " together: create " + String.join(" and ", toMove) + " again with -e affinity:container=="
                + anchor + " (or -e constraint:node==" + anchorNode + "), then this container";
    }
}
