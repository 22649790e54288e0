package dev.shoal.manager.api.volumes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.manager.api.Cluster;
import dev.shoal.manager.errors.DockerException;
import dev.shoal.manager.api.Exchange;
import dev.shoal.manager.api.JsonBody;
import dev.shoal.manager.api.NodeScoped;
import dev.shoal.manager.api.Merged;
import dev.shoal.manager.dispatcher.NodeStatus;
import dev.shoal.manager.engine.EngineClient;
import dev.shoal.manager.state.ClusterStore;
import dev.shoal.scheduler.Placement;
import dev.shoal.scheduler.expr.ParseException;
import dev.shoal.scheduler.model.Request;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * /volumes: a named volume lives on one node. {@code volume create NAME} lets the scheduler pick the node (or the
 * label {@code com.docker.swarm.constraints}, or {@code NODE/NAME}, decide it); {@code volume ls} shows a volume by
 * its plain name while that name is unique in the cluster and as {@code node/name} otherwise; a container that
 * mounts a named volume is placed where the volume is (see the manager's Placer), so data never silently forks.
 */
public final class VolumesApi {
    private final Cluster cluster;

    public VolumesApi(Cluster cluster) {
        this.cluster = cluster;
    }

    /** The healthy nodes holding a volume of this name. */
    public static List<NodeStatus> holders(Cluster cluster, List<NodeStatus> nodes, String name) {
        return NodeScoped.holders(cluster, nodes, "/volumes/", name);
    }

    public void list(Exchange ex) {
        var results = cluster.fanOut(cluster.dispatcher().healthyNodes(), n -> cluster.engines().get(
                n.record().address(), "/volumes" + ex.queryString()));
        Map<String, Integer> count = new HashMap<>();
        List<Map.Entry<NodeStatus, ObjectNode>> all = new ArrayList<>();
        ArrayNode warnings = ClusterStore.JSON.createArrayNode();
        for (var r : results) {
            if (!r.ok()) {
                continue;
            }
            if (!r.value().ok()) {
                throw r.value().asError();
            }
            for (JsonNode v : r.value().json().path("Volumes")) {
                all.add(Map.entry(r.node(), (ObjectNode) v));
                count.merge(v.path("Name").asText(), 1, Integer::sum);
            }
            r.value().json().path("Warnings").forEach(warnings::add);
        }
        ObjectNode out = ClusterStore.JSON.createObjectNode();
        ArrayNode volumes = out.putArray("Volumes");
        for (var e : all) {
            ObjectNode v = e.getValue();
            String name = v.path("Name").asText();
            if (count.get(name) > 1) {
                v.put("Name", e.getKey().name() + "/" + name);
            }
            volumes.add(withNode(v, e.getKey()));
        }
        out.set("Warnings", warnings);
        ex.respondJson(200, out);
    }

    public void create(Exchange ex) {
        ObjectNode body = JsonBody.object(ex.body().bytes(), true);
        String name = body.path("Name").asText("");
        List<NodeStatus> healthy = cluster.dispatcher().healthyNodes();
        if (healthy.isEmpty()) {
            throw new DockerException(503, "No healthy node available in the cluster");
        }
        NodeStatus node;
        int slash = name.indexOf('/');
        if (slash > 0) {
            String nodeName = name.substring(0, slash);
            node = healthy.stream().filter(n -> n.name().equals(nodeName)).findFirst().orElseThrow(
                    () -> DockerException.notFound("node " + nodeName + " is not a healthy node of the cluster"));
            name = name.substring(slash + 1);
            body.put("Name", name);
        } else {
            List<NodeStatus> holding = name.isEmpty() ? List.of() : holders(cluster, healthy, name);
            if (holding.size() > 1) {
                throw DockerException.conflict("volume " + name + " exists on several nodes (" + String.join(", ",
                        holding.stream().map(NodeStatus::name).toList()) + "): name one as NODE/" + name);
            }
            node = holding.isEmpty() ? schedule(body, name) : holding.get(0); // an existing name: idempotent, as dockerd
        }
        EngineClient.Reply r = cluster.engines().post(node.record().address(), "/volumes/create", JsonBody.bytes(body));
        if (!r.ok()) {
            throw r.asError();
        }
        // the same object `volume inspect` answers for it, as on one engine
        ex.respondJson(r.status(), withNode((ObjectNode) r.json(), node));
    }

    /** A volume as the manager answers it: the engine's object, plus the classic {@code Node} and Status.Node. */
    private static ObjectNode withNode(ObjectNode v, NodeStatus at) {
        ObjectNode node = v.putObject("Node");
        node.put("ID", at.id());
        node.put("Name", at.name());
        node.put("IP", at.record().ip());
        // the CLI keeps only the fields it knows; Status (a free map) carries the node to `docker volume inspect`
        ObjectNode status = v.path("Status") instanceof ObjectNode o ? o : v.putObject("Status");
        status.put("Node", at.name());
        return v;
    }

    /** The node a new volume goes to: the scheduler's choice under the volume's constraints label, if any. */
    private NodeStatus schedule(ObjectNode body, String name) {
        Map<String, String> labels = new HashMap<>();
        body.path("Labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
        Request request;
        try {
            request = Request.builder().fromDocker(List.of(), labels).build();
        } catch (ParseException e) {
            throw DockerException.badRequest(e.getMessage());
        }
        // a name is given its node in the store before any engine is asked (an anonymous volume needs none)
        Placement p = name.isEmpty() ? cluster.placer().decide(request) : cluster.placer().volumeNode(name, request);
        if (p instanceof Placement.Unschedulable u) {
            throw new DockerException(500, u.message());
        }
        String id = ((Placement.Placed) p).nodeId();
        return cluster.dispatcher().node(id).orElseThrow();
    }

    /** One node's volume: {@code node/name}, or a name only one node has. */
    private NodeScoped locate(String ref) {
        return NodeScoped.locate(cluster, ref, "/volumes/", "volume",
                r -> DockerException.notFound("get " + r + ": no such volume"));
    }

    public void inspect(Exchange ex, String ref) {
        NodeScoped at = locate(ref);
        EngineClient.Reply r = cluster.engines().get(at.node().record().address(),
                "/volumes/" + Cluster.encode(at.name()));
        if (!r.ok()) {
            throw r.asError();
        }
        ex.respondJson(200, withNode((ObjectNode) r.json(), at.node()));
    }

    public void delete(Exchange ex, String ref) {
        NodeScoped at = locate(ref);
        EngineClient.Reply r = cluster.engines().delete(at.node().record().address(),
                "/volumes/" + Cluster.encode(at.name()) + ex.queryString());
        if (!r.ok()) {
            throw r.asError();
        }
        cluster.placer().volumeRemoved(at.name(), at.node().id());
        ex.respondEmpty(204);
    }

    public void prune(Exchange ex) {
        var results = cluster.fanOut(cluster.dispatcher().healthyNodes(), n -> cluster.engines().post(
                n.record().address(), "/volumes/prune" + ex.queryString(), null));
        ex.respondJson(200, Merged.prune(results, "VolumesDeleted"));
    }
}
