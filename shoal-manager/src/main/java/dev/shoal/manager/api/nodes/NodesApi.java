package dev.shoal.manager.api.nodes;

import dev.shoal.manager.api.Cluster;
import dev.shoal.manager.errors.DockerException;
import dev.shoal.manager.api.Exchange;
import dev.shoal.manager.dispatcher.Dispatcher;
import dev.shoal.manager.dispatcher.NodeStatus;
import java.util.List;

/**
 * {@code DELETE /nodes/{id}} ({@code docker node rm}): takes a node out of the cluster. The node is named by ID,
 * name or unique ID prefix. A node that still has containers the manager knows of is kept (409) unless
 * {@code force}; otherwise its record goes and its certificates are revoked (see {@link Dispatcher#removeNode}).
 */
public final class NodesApi {
    private final Cluster cluster;

    public NodesApi(Cluster cluster) {
        this.cluster = cluster;
    }

    public void delete(Exchange ex, String ref) {
        NodeStatus node = find(ref);
        long containers = cluster.containers().countOnNode(node.id());
        if (containers > 0 && !ex.flag("force")) {
            throw new DockerException(409, "node " + node.name() + " (" + node.id() + ") still has " + containers
                    + " container" + (containers == 1 ? "" : "s") + " known to the manager: remove them first, or "
                    + "remove the node with --force (their records stay, on a node that is gone)");
        }
        switch (cluster.dispatcher().removeNode(node.id())) {
            case Dispatcher.Removal.Removed removed -> ex.respondEmpty(200);
            case Dispatcher.Removal.NotFound notFound -> throw new DockerException(404, "node " + ref + " not found");
            case Dispatcher.Removal.Conflict conflict -> throw new DockerException(409, conflict.message());
        }
    }

    private NodeStatus find(String ref) {
        Dispatcher dispatcher = cluster.dispatcher();
        var byId = dispatcher.node(ref);
        if (byId.isPresent()) {
            return byId.get();
        }
        var byName = dispatcher.nodeByName(ref);
        if (byName.isPresent()) {
            return byName.get();
        }
        List<NodeStatus> byPrefix = ref.isEmpty() ? List.of()
                : dispatcher.nodes().stream().filter(n -> n.id().startsWith(ref)).toList();
        if (byPrefix.size() == 1) {
            return byPrefix.getFirst();
        }
        if (byPrefix.size() > 1) {
            throw new DockerException(409, "node " + ref + " is ambiguous (" + byPrefix.size() + " matches)");
        }
        throw new DockerException(404, "node " + ref + " not found");
    }
}
