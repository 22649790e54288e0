package dev.shoal.manager.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.manager.api.Cluster;
import dev.shoal.manager.dispatcher.NodeStatus;
import dev.shoal.manager.state.ClusterStore;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * The {@code node} filter classic Swarm added to list endpoints ({@code docker ps --filter node=node1},
 * {@code docker images --filter node=node2}): it picks which nodes are asked, and is taken out of the query the
 * engines see (they would refuse it). A value matches a node's name or ID; several values are alternatives.
 *
 * @param nodes the nodes to ask (see {@link Cluster#listableNodes()})
 * @param query the query string to send them, without the node filter
 */
public record NodeFilter(List<NodeStatus> nodes, String query) {

    public static NodeFilter of(Cluster cluster, Exchange ex) {
        return of(cluster, ex, filters -> false);
    }

    /**
     * As {@link #of(Cluster, Exchange)}, and {@code rewrite} may change the other filters the engines will see
     * (in place, on the parsed {@code filters} object); it answers whether it changed anything. It is not called
     * when there are no filters or they are malformed (the engines answer a bad filter themselves).
     */
    public static NodeFilter of(Cluster cluster, Exchange ex, Predicate<ObjectNode> rewrite) {
        List<NodeStatus> healthy = cluster.listableNodes();
        String filters = ex.param("filters");
        if (filters == null || filters.isBlank()) {
            return new NodeFilter(healthy, ex.rawQuery());
        }
        ObjectNode parsed;
        try {
            JsonNode node = ClusterStore.JSON.readTree(filters);
            if (!(node instanceof ObjectNode o)) {
                return new NodeFilter(healthy, ex.rawQuery()); // the engines answer a bad filter themselves
            }
            parsed = o;
        } catch (IOException e) {
            return new NodeFilter(healthy, ex.rawQuery());
        }
        JsonNode wanted = parsed.remove("node");
        boolean changed = rewrite.test(parsed);
        if (wanted == null && !changed) {
            return new NodeFilter(healthy, ex.rawQuery());
        }
        List<NodeStatus> chosen = healthy;
        if (wanted != null) {
            Set<String> values = new TreeSet<>(values(wanted));
            chosen = healthy.stream().filter(n -> values.contains(n.name()) || values.contains(n.id())).toList();
        }
        List<String> params = new ArrayList<>();
        for (Map.Entry<String, List<String>> p : ex.params().entrySet()) {
            if (p.getKey().equals("filters")) {
                if (!parsed.isEmpty()) {
                    params.add("filters=" + Cluster.encode(parsed.toString()));
                }
                continue;
            }
            for (String v : p.getValue()) {
                params.add(Cluster.encode(p.getKey()) + "=" + Cluster.encode(v));
            }
        }
        return new NodeFilter(chosen, String.join("&", params));
    }

    /** A filter's values, from either JSON shape: {@code ["v", …]} or {@code {"v": true, …}}. */
    public static List<String> values(JsonNode filter) {
        List<String> values = new ArrayList<>();
        if (filter == null) {
            return values;
        }
        if (filter.isArray()) {
            filter.forEach(v -> values.add(v.asText()));
        } else {
            filter.fieldNames().forEachRemaining(values::add);
        }
        return values;
    }

    /** {@code ?query}, or nothing. */
    public String suffix() {
        return query.isEmpty() ? "" : "?" + query;
    }
}
