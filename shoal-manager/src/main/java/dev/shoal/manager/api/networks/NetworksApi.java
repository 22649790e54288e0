package dev.shoal.manager.api.networks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.manager.Cluster;
import dev.shoal.manager.api.DockerException;
import dev.shoal.manager.api.Exchange;
import dev.shoal.manager.api.JsonBody;
import dev.shoal.manager.api.NodeScoped;
import dev.shoal.manager.dispatcher.NodeStatus;
import dev.shoal.manager.engine.EngineClient;
import dev.shoal.manager.state.ClusterStore;
import dev.shoal.manager.state.NetworkRecord;
import dev.shoal.manager.state.Txn;

import java.io.IOException;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * /networks as one big host: a local-scope network created through the manager is created on every node under its
 * plain name (and on nodes that join later, see {@link NetworkSync}), listed once, removed everywhere. Each engine's
 * own networks (bridge, host, none, or made on the engine directly) show as {@code node/name}, and {@code node/name}
 * addresses one node's object. Containers on different nodes share such a network by name only: there is no
 * cross-host traffic until overlay networks exist.
 */
public final class NetworksApi {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Pattern VALID_NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");
    private static final Set<String> LOCAL_DRIVERS = Set.of("bridge", "macvlan", "ipvlan");

    /** Held while copies are made or removed, by the API and by {@code NetworkSync}. */
    public static final Object LOCK = new Object();

    private final Cluster cluster;

    public NetworksApi(Cluster cluster) {
        this.cluster = cluster;
    }

    /** The cluster networks, by ID. */
    public static List<NetworkRecord> records(Cluster cluster) {
        return cluster.store().readAll(NetworkRecord.PREFIX, NetworkRecord.class);
    }

    private Optional<NetworkRecord> record(String ref) {
        List<NetworkRecord> all = records(cluster);
        for (NetworkRecord r : all) {
            if (r.name().equals(ref) || r.id().equals(ref)) {
                return Optional.of(r);
            }
        }
        List<NetworkRecord> byPrefix = all.stream().filter(r -> ref.length() >= 4 && r.id().startsWith(ref)).toList();
        return byPrefix.size() == 1 ? Optional.of(byPrefix.get(0)) : Optional.empty();
    }

    // ---- create -----------------------------------------------------------------------------------------

    public void create(Exchange ex) {
        ObjectNode body = JsonBody.object(ex.body().bytes(), false);
        String name = body.path("Name").asText("");
        if (!VALID_NAME.matcher(name).matches()) {
            throw DockerException.badRequest("invalid network name \"" + name + "\": only [a-zA-Z0-9][a-zA-Z0-9_.-] "
                    + "are allowed");
        }
        String driver = body.path("Driver").asText("");
        driver = driver.isEmpty() ? "bridge" : driver;
        if (driver.equals("overlay")) {
            throw new DockerException(501, "overlay networks are not supported by Shoal yet: create a local network"
                    + " (bridge, macvlan, ipvlan); it exists on every node, and containers on different nodes share it"
                    + " by name only");
        }
        if (!LOCAL_DRIVERS.contains(driver)) {
            throw DockerException.badRequest("network driver \"" + driver + "\" is not supported by Shoal: use bridge,"
                    + " macvlan or ipvlan");
        }
        List<NodeStatus> nodes = cluster.dispatcher().healthyNodes();
        if (nodes.isEmpty()) {
            throw new DockerException(503, "No healthy node available in the cluster");
        }
        String id = newId();
        ObjectNode spec = body.deepCopy();
        ObjectNode labels = spec.has("Labels") && spec.get("Labels").isObject()
                ? (ObjectNode) spec.get("Labels") : spec.putObject("Labels");
        labels.put(NetworkRecord.LABEL, id);
        spec.put("CheckDuplicate", true);
        NetworkRecord rec = new NetworkRecord(id, name, driver, spec, System.currentTimeMillis());
        synchronized (LOCK) {
            if (!engineCopies(nodes, name).isEmpty()) {
                throw DockerException.conflict("network with name " + name + " already exists");
            }
            Optional<String> conflict = cluster.store().commit(Txn.builder()
                    .requireAbsent(NetworkRecord.nameKey(name))
                    .put(rec.key(), ClusterStore.toJson(rec))
                    .put(NetworkRecord.nameKey(name), id)
                    .build());
            if (conflict.isPresent()) {
                throw DockerException.conflict("network with name " + name + " already exists");
            }
            var results = cluster.fanOut(nodes, n -> createOn(n, rec));
            for (var r : results) {
                if (!r.ok() || !r.value().ok()) {
                    // nothing half-done: every copy made goes again, and the record with it
                    cluster.fanOut(nodes, n -> cluster.engines().delete(n.record().address(),
                            "/networks/" + Cluster.encode(name)));
                    forget(rec);
                    if (!r.ok()) {
                        throw r.error();
                    }
                    throw r.value().asError();
                }
            }
        }
        ObjectNode answer = ClusterStore.JSON.createObjectNode();
        answer.put("Id", id);
        answer.put("Warning", "");
        ex.respondJson(201, answer);
    }

    /** Creates the record's copy on one node. */
    public EngineClient.Reply createOn(NodeStatus node, NetworkRecord rec) {
        return cluster.engines().post(node.record().address(), "/networks/create", JsonBody.bytes(rec.spec()));
    }

    /** The nodes whose engine has a network with this exact name. */
    private List<NodeStatus> engineCopies(List<NodeStatus> nodes, String name) {
        return cluster.fanOut(nodes, n -> cluster.engines().get(n.record().address(),
                        "/networks/" + Cluster.encode(name)))
                .stream().filter(r -> r.ok() && r.value().ok() && r.value().json().path("Name").asText().equals(name))
                .map(Cluster.NodeResult::node).toList();
    }

    // ---- list, inspect ----------------------------------------------------------------------------------

    public void list(Exchange ex) {
        var results = cluster.fanOut(cluster.dispatcher().healthyNodes(), n -> cluster.engines().get(
                n.record().address(), "/networks" + ex.queryString()));
        Map<String, ObjectNode> clusterNetworks = new LinkedHashMap<>();
        List<ObjectNode> out = new ArrayList<>();
        for (var r : results) {
            if (!r.ok()) {
                continue;
            }
            if (!r.value().ok()) {
                throw r.value().asError();
            }
            for (JsonNode n : r.value().json()) {
                ObjectNode net = (ObjectNode) n;
                String clusterId = net.path("Labels").path(NetworkRecord.LABEL).asText("");
                if (!clusterId.isEmpty()) {
                    ObjectNode known = clusterNetworks.get(clusterId);
                    if (known == null) {
                        clusterNetworks.put(clusterId, asClusterNetwork(net, clusterId));
                    } else {
                        mergeContainers(known, net);
                    }
                } else {
                    net.put("Name", r.node().name() + "/" + net.path("Name").asText());
                    out.add(net);
                }
            }
        }
        List<ObjectNode> all = new ArrayList<>(clusterNetworks.values());
        all.addAll(out);
        ex.respondJson(200, all);
    }

    private static ObjectNode asClusterNetwork(ObjectNode copy, String clusterId) {
        ObjectNode net = copy.deepCopy();
        net.put("Id", clusterId);
        if (net.path("Labels") instanceof ObjectNode labels) {
            labels.remove(NetworkRecord.LABEL);
        }
        return net;
    }

    private static void mergeContainers(ObjectNode into, JsonNode from) {
        if (from.path("Containers") instanceof ObjectNode theirs && !theirs.isEmpty()) {
            ObjectNode ours = into.path("Containers") instanceof ObjectNode o ? o : into.putObject("Containers");
            ours.setAll(theirs);
        }
    }

    public void inspect(Exchange ex, String ref) {
        Optional<NetworkRecord> rec = record(ref);
        if (rec.isPresent()) {
            ObjectNode merged = null;
            for (var r : cluster.fanOut(cluster.dispatcher().healthyNodes(), n -> cluster.engines().get(
                    n.record().address(), "/networks/" + Cluster.encode(rec.get().name()) + ex.queryString()))) {
                if (r.ok() && r.value().ok()) {
                    if (merged == null) {
                        merged = asClusterNetwork((ObjectNode) r.value().json(), rec.get().id());
                    } else {
                        mergeContainers(merged, r.value().json());
                    }
                }
            }
            if (merged == null) {
                throw DockerException.notFound("network " + ref + " not found");
            }
            ex.respondJson(200, merged);
            return;
        }
        NodeScoped at = locate(ref);
        EngineClient.Reply r = cluster.engines().get(at.node().record().address(),
                "/networks/" + Cluster.encode(at.name()) + ex.queryString());
        if (!r.ok()) {
            throw r.asError();
        }
        ObjectNode net = (ObjectNode) r.json();
        net.put("Name", at.node().name() + "/" + net.path("Name").asText());
        ex.respondJson(200, net);
    }

    /** One node's network: {@code node/name}, or a name or ID only one node has. */
    private NodeScoped locate(String ref) {
        return NodeScoped.locate(cluster, ref, "/networks/", "network",
                r -> DockerException.notFound("network " + r + " not found"));
    }

    // ---- remove, prune ----------------------------------------------------------------------------------

    public void delete(Exchange ex, String ref) {
        Optional<NetworkRecord> rec = record(ref);
        if (rec.isEmpty()) {
            NodeScoped at = locate(ref);
            EngineClient.Reply r = cluster.engines().delete(at.node().record().address(),
                    "/networks/" + Cluster.encode(at.name()));
            if (!r.ok()) {
                throw r.asError();
            }
            ex.respondEmpty(204);
            return;
        }
        NetworkRecord net = rec.get();
        List<NodeStatus> nodes = cluster.dispatcher().healthyNodes();
        synchronized (LOCK) {
            // refuse before removing anything: one copy in use keeps them all
            for (var r : cluster.fanOut(nodes, n -> cluster.engines().get(n.record().address(),
                    "/networks/" + Cluster.encode(net.name())))) {
                if (r.ok() && r.value().ok() && !r.value().json().path("Containers").isEmpty()) {
                    throw new DockerException(403, "error while removing network: network " + net.name() + " id "
                            + net.id() + " has active endpoints (on " + r.node().name() + ")");
                }
            }
            forget(net);
        }
        cluster.fanOut(nodes, n -> cluster.engines().delete(n.record().address(),
                "/networks/" + Cluster.encode(net.name())));
        ex.respondEmpty(204);
    }

    public void prune(Exchange ex) {
        // engine-local networks: each node prunes its own (cluster copies are kept out by their label)
        ObjectNode filters = filters(ex.param("filters"));
        ArrayNode label = filters.has("label!") ? (ArrayNode) filters.get("label!") : filters.putArray("label!");
        label.add(NetworkRecord.LABEL);
        String query = "?filters=" + Cluster.encode(filters.toString());
        List<NodeStatus> nodes = cluster.dispatcher().healthyNodes();
        ArrayNode deleted = ClusterStore.JSON.createArrayNode();
        for (var r : cluster.fanOut(nodes, n -> cluster.engines().post(n.record().address(),
                "/networks/prune" + query, null))) {
            if (r.ok() && !r.value().ok()) {
                throw r.value().asError();
            }
            if (r.ok()) {
                r.value().json().path("NetworksDeleted").forEach(d -> deleted.add(r.node().name() + "/" + d.asText()));
            }
        }
        // cluster networks: removed where no node has a container on them
        for (NetworkRecord net : records(cluster)) {
            boolean used = cluster.fanOut(nodes, n -> cluster.engines().get(n.record().address(),
                            "/networks/" + Cluster.encode(net.name())))
                    .stream().anyMatch(r -> !r.ok() || (r.value().ok()
                            && !r.value().json().path("Containers").isEmpty()));
            if (!used && matchesPruneFilters(net, filters)) {
                forget(net);
                cluster.fanOut(nodes, n -> cluster.engines().delete(n.record().address(),
                        "/networks/" + Cluster.encode(net.name())));
                deleted.add(net.name());
            }
        }
        ObjectNode answer = ClusterStore.JSON.createObjectNode();
        answer.set("NetworksDeleted", deleted);
        ex.respondJson(200, answer);
    }

    /** The prune filters a cluster network is checked against here: label (with =value) and until are honoured. */
    private static boolean matchesPruneFilters(NetworkRecord net, ObjectNode filters) {
        JsonNode labels = net.spec().path("Labels");
        for (JsonNode want : values(filters.get("label"))) {
            String w = want.asText();
            int eq = w.indexOf('=');
            boolean ok = eq < 0 ? labels.has(w) : labels.path(w.substring(0, eq)).asText("\u0000")
                    .equals(w.substring(eq + 1));
            if (!ok) {
                return false;
            }
        }
        for (JsonNode until : values(filters.get("until"))) {
            try {
                if (net.createdAtMillis() >= Instant.parse(until.asText()).toEpochMilli()) {
                    return false;
                }
            } catch (RuntimeException e) {
                return false;
            }
        }
        return true;
    }

    private static List<JsonNode> values(JsonNode filter) {
        List<JsonNode> out = new ArrayList<>();
        if (filter == null) {
            return out;
        }
        if (filter.isArray()) {
            filter.forEach(out::add);
        } else {
            filter.fieldNames().forEachRemaining(f -> out.add(ClusterStore.JSON.getNodeFactory().textNode(f)));
        }
        return out;
    }

    // ---- connect, disconnect ----------------------------------------------------------------------------

    /** Connect and disconnect act on the copy on the container's node. */
    public void connect(Exchange ex, String ref, String action) {
        ObjectNode body = JsonBody.object(ex.body().bytes(), false);
        String container = body.path("Container").asText("");
        if (container.isEmpty()) {
            throw DockerException.badRequest("no container given");
        }
        Cluster.Located at = cluster.locate(container);
        String name;
        Optional<NetworkRecord> rec = record(ref);
        if (rec.isPresent()) {
            name = rec.get().name();
        } else if (ref.indexOf('/') > 0) {
            NodeScoped net = locate(ref);
            if (!net.node().id().equals(at.node().id())) {
                throw DockerException.badRequest("network " + ref + " is on " + net.node().name() + ", container "
                        + container + " on " + at.node().name());
            }
            name = net.name();
        } else {
            name = ref;
        }
        body.put("Container", at.engineId());
        EngineClient.Reply r = cluster.engines().post(at.node().record().address(),
                "/networks/" + Cluster.encode(name) + "/" + action, JsonBody.bytes(body));
        if (!r.ok()) {
            throw r.asError();
        }
        ex.respondJson(r.status(), r.body().length == 0 ? "{}".getBytes() : r.body());
    }

    // ---- helpers ----------------------------------------------------------------------------------------

    private void forget(NetworkRecord rec) {
        cluster.store().commit(Txn.builder().delete(rec.key()).delete(NetworkRecord.nameKey(rec.name())).build());
    }

    private static ObjectNode filters(String json) {
        if (json == null || json.isBlank()) {
            return ClusterStore.JSON.createObjectNode();
        }
        try {
            JsonNode n = ClusterStore.JSON.readTree(json);
            if (!(n instanceof ObjectNode o)) {
                throw DockerException.badRequest("invalid filters");
            }
            // normalise {"k":{"v":true}} to {"k":["v"]}
            ObjectNode out = ClusterStore.JSON.createObjectNode();
            o.properties().forEach(e -> {
                ArrayNode arr = out.putArray(e.getKey());
                values(e.getValue()).forEach(arr::add);
            });
            return out;
        } catch (IOException e) {
            throw DockerException.badRequest("invalid filters: " + e.getMessage());
        }
    }


    static String newId() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }
}
