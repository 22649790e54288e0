package dev.shoal.scheduler.model;

import java.util.Set;

/**
 * A rule the caller decided from facts outside the snapshot: only these nodes qualify. The manager uses it for
 * "the image is on the node" (there is no registry to pull from, so a container goes where its image is).
 *
 * @param nodeIds   the nodes that qualify
 * @param condition the condition as listed in brackets, e.g. {@code image busybox:latest present}
 * @param missing   what a failing node lacks, completed with a node count: {@code image busybox:latest missing on}
 */
public record NodeSet(Set<String> nodeIds, String condition, String missing) {
    public NodeSet {
        nodeIds = Set.copyOf(nodeIds);
    }
}
