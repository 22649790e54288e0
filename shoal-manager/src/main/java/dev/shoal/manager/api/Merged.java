package dev.shoal.manager.api;

import dev.shoal.manager.engine.FanOut;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.manager.api.Cluster;
import dev.shoal.manager.engine.EngineClient;
import dev.shoal.manager.state.ClusterStore;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Answers merged from every node's answer to the same call, as one big host would give them. */
public final class Merged {
    private Merged() {
    }

    /**
     * A prune answer: the deleted lists concatenated, the space summed. A node that fails or refuses (a bad filter)
     * is passed on as the error: one host would have refused too.
     */
    public static ObjectNode prune(List<FanOut.NodeResult<EngineClient.Reply>> results, String deletedField) {
        ObjectNode out = ClusterStore.JSON.createObjectNode();
        ArrayNode deleted = out.putArray(deletedField);
        long space = 0;
        for (var r : results) {
            if (!r.ok()) {
                continue; // a node gone mid-call prunes nothing
            }
            if (!r.value().ok()) {
                throw r.value().asError();
            }
            JsonNode json = r.value().json();
            json.path(deletedField).forEach(deleted::add);
            space += json.path("SpaceReclaimed").asLong(0);
        }
        out.put("SpaceReclaimed", space);
        return out;
    }

    /**
     * {@code docker system df}: layers summed; images once per ID (an image on three nodes is one image, its
     * container count summed); containers, volumes and build cache listed from every node.
     */
    public static ObjectNode systemDf(List<FanOut.NodeResult<EngineClient.Reply>> results) {
        ObjectNode out = ClusterStore.JSON.createObjectNode();
        long layers = 0;
        ArrayNode images = out.putArray("Images");
        ArrayNode containers = out.putArray("Containers");
        ArrayNode volumes = out.putArray("Volumes");
        ArrayNode cache = out.putArray("BuildCache");
        java.util.Map<String, ObjectNode> imageById = new java.util.LinkedHashMap<>();
        Set<String> seenLayers = new HashSet<>();
        for (var r : results) {
            if (!r.ok() || !r.value().ok()) {
                continue;
            }
            JsonNode json = r.value().json();
            layers += json.path("LayersSize").asLong(0);
            for (JsonNode image : json.path("Images")) {
                String id = image.path("Id").asText();
                ObjectNode known = imageById.get(id);
                if (known == null) {
                    imageById.put(id, (ObjectNode) image);
                } else {
                    known.put("Containers", known.path("Containers").asLong(0) + image.path("Containers").asLong(0));
                }
            }
            for (JsonNode c : json.path("Containers")) {
                if (c instanceof ObjectNode o) {
                    ArrayNode names = ClusterStore.JSON.createArrayNode();
                    o.path("Names").forEach(n -> names.add("/" + r.node().name() + n.asText()));
                    o.set("Names", names);
                }
                containers.add(c);
            }
            json.path("Volumes").forEach(volumes::add);
            for (JsonNode b : json.path("BuildCache")) {
                if (seenLayers.add(r.node().id() + "/" + b.path("ID").asText())) {
                    cache.add(b);
                }
            }
        }
        imageById.values().forEach(images::add);
        out.put("LayersSize", layers);
        return out;
    }
}
