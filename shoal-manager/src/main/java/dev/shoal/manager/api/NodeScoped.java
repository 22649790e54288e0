package dev.shoal.manager.api;

import dev.shoal.manager.errors.DockerException;

import dev.shoal.manager.api.Cluster;
import dev.shoal.manager.dispatcher.NodeStatus;

import java.util.List;
import java.util.function.Function;

/**
 * An object that lives on one node's engine (a network, a volume), as classic Swarm addressed it: {@code node/name}
 * names one node's, and a plain name or ID is found on whichever node holds it — refused with 409 when several do.
 *
 * @param node the node holding it
 * @param name its name on that engine
 */
public record NodeScoped(NodeStatus node, String name) {

    /** The healthy nodes among {@code nodes} whose engine answers {@code collection + name} (e.g. /volumes/data). */
    public static List<NodeStatus> holders(Cluster cluster, List<NodeStatus> nodes, String collection, String name) {
        return cluster.fanOutHelper().holders(nodes, collection, name);
    }

    /**
     * Finds {@code ref} under {@code collection} ("/networks/", "/volumes/"); {@code notFound} makes the engine's
     * 404 message for it, {@code kind} names it in the 409.
     */
    public static NodeScoped locate(Cluster cluster, String ref, String collection, String kind,
                                    Function<String, DockerException> notFound) {
        int slash = ref.indexOf('/');
        if (slash > 0) {
            NodeStatus node = cluster.dispatcher().nodeByName(ref.substring(0, slash))
                    .orElseThrow(() -> notFound.apply(ref));
            return new NodeScoped(node, ref.substring(slash + 1));
        }
        List<NodeStatus> holding = holders(cluster, cluster.dispatcher().healthyNodes(), collection, ref);
        if (holding.isEmpty()) {
            throw notFound.apply(ref);
        }
        if (holding.size() > 1) {
            throw DockerException.conflict(kind + " " + ref + " exists on several nodes (" + String.join(", ",
                    holding.stream().map(NodeStatus::name).toList()) + "): name one as NODE/" + ref);
        }
        return new NodeScoped(holding.get(0), ref);
    }
}
