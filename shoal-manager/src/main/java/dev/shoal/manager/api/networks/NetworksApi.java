package dev.shoal.manager.api.networks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.manager.api.Cluster;
import dev.shoal.manager.errors.DockerException;
import dev.shoal.manager.api.Exchange;
import dev.shoal.manager.api.JsonBody;
import dev.shoal.manager.api.ListFilters;
import dev.shoal.manager.api.NodeScoped;
import dev.shoal.manager.dispatcher.NodeStatus;
import dev.shoal.manager.engine.EngineClient;
import dev.shoal.manager.engine.FanOut;
import dev.shoal.manager.networks.ClusterNetworks;
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

/**
 * /networks as one big host: a local-scope network created through the manager is created on every node under its
 * plain name (and on nodes that join later, see {@link NetworkSync}), listed once, removed everywhere. Each engine's
 * own networks (bridge, host, none, or made on the engine directly) show as {@code node/name}, and {@code node/name}
 * addresses one node's object. Containers on different nodes share such a network by name only: there is no
 * cross-host traffic until overlay networks exist.
 */
public final class NetworksApi {
    private static final SecureRandom RANDOM = new SecureRandom();
    /** Names an engine refuses to create (403), as dockerd 20.10 does. */
    private static final Set<String> PREDEFINED = Set.of("bridge", "host", "none", "default");
    private static final Set<String> LOCAL_DRIVERS = Set.of("bridge", "macvlan", "ipvlan");

    /** Held while copies are made or removed, by the API and by {@code NetworkSync}. */
    public static final Object LOCK = ClusterNetworks.LOCK;

    private final Cluster cluster;

    public NetworksApi(Cluster cluster) {
        this.cluster = cluster;
    }

    /** The cluster networks, by ID. */
    public static List<NetworkRecord> records(Cluster cluster) {
        return cluster.networks().records();
    }

    /**
     * The name of the cluster network {@code ref} names (by name, ID or unique ID prefix, or by the ID of one of
     * its engine copies), or null: engines know a cluster network by its name only.
     */
    public static String clusterNetworkName(Cluster cluster, String ref) {
        return new NetworksApi(cluster).record(ref).map(NetworkRecord::name).orElse(null);
    }

    private Optional<NetworkRecord> record(String ref) {
        List<NetworkRecord> all = records(cluster);
        for (NetworkRecord r : all) {
            if (r.name().equals(ref) || r.id().equals(ref)) {
                return Optional.of(r);
            }
        }
        List<NetworkRecord> byPrefix = all.stream().filter(r -> ref.length() >= 4 && r.id().startsWith(ref)).toList();
        if (byPrefix.size() == 1) {
            return Optional.of(byPrefix.get(0));
        }
        if (byPrefix.isEmpty() && !all.isEmpty() && COPY_ID.matcher(ref).matches()) {
            // the ID of one engine's copy (as a container's NetworkSettings showed it before the manager said so)
            Set<String> clusterIds = new java.util.HashSet<>();
            for (var r : cluster.fanOut(cluster.dispatcher().healthyNodes(),
                    n -> cluster.engines().get(n.record().address(), LABELLED))) {
                if (r.ok() && r.value().ok()) {
                    r.value().json().forEach(n -> {
                        if (n.path("Id").asText().startsWith(ref)) {
                            clusterIds.add(n.path("Labels").path(NetworkRecord.LABEL).asText());
                        }
                    });
                }
            }
            List<NetworkRecord> copies = all.stream().filter(r -> clusterIds.contains(r.id())).toList();
            return copies.size() == 1 ? Optional.of(copies.get(0)) : Optional.empty();
        }
        return Optional.empty();
    }

    /** The cluster networks' copies on one engine. */
    private static final String LABELLED = "/networks?filters="
            + Cluster.encode("{\"label\":[\"" + NetworkRecord.LABEL + "\"]}");
    private static final java.util.regex.Pattern COPY_ID = java.util.regex.Pattern.compile("[0-9a-f]{12,64}");

    /**
     * A container's {@code NetworkSettings.Networks} as one engine would show them: a cluster network's entry carries
     * the cluster network's ID (the one {@code network ls} and {@code network inspect} show), not its copy's.
     */
    public static void clusterNetworkIds(Cluster cluster, JsonNode container) {
        JsonNode networks = container.path("NetworkSettings").path("Networks");
        if (!(networks instanceof ObjectNode nets) || nets.isEmpty()) {
            return;
        }
        Map<String, String> idByName = new java.util.HashMap<>();
        for (NetworkRecord r : records(cluster)) {
            idByName.put(r.name(), r.id());
        }
        nets.properties().forEach(e -> {
            String id = idByName.get(e.getKey());
            if (id != null && e.getValue() instanceof ObjectNode ep && !ep.path("NetworkID").asText("").isEmpty()) {
                ep.put("NetworkID", id);
            }
        });
    }

    // ---- create -----------------------------------------------------------------------------------------

    public void create(Exchange ex) {
        ObjectNode body = JsonBody.object(ex.body().bytes(), false);
        String name = body.path("Name").asText("");
        if (name.indexOf('/') >= 0) {
            // NODE/NAME addresses one engine's own network: a cluster network named so could not be told from one
            throw DockerException.badRequest("invalid network name \"" + name + "\": Shoal refuses '/' in network"
                    + " names (NODE/NAME names the network NAME of one node's engine)");
        }
        if (PREDEFINED.contains(name)) {
            throw new DockerException(403, "operation is not permitted on predefined " + name + " network ");
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
        return cluster.networks().createOn(node, rec);
    }

    /** The nodes whose engine has a network with this exact name. */
    private List<NodeStatus> engineCopies(List<NodeStatus> nodes, String name) {
        return cluster.fanOut(nodes, n -> cluster.engines().get(n.record().address(),
                        "/networks/" + Cluster.encode(name)))
                .stream().filter(r -> r.ok() && r.value().ok() && r.value().json().path("Name").asText().equals(name))
                .map(FanOut.NodeResult::node).toList();
    }

    // ---- list, inspect ----------------------------------------------------------------------------------

    /**
     * {@code docker network ls} over every node: each cluster network once (under its cluster ID, merged from its
     * copies), each engine's own networks as {@code node/name}. The filters that depend on the merged view are the
     * manager's: {@code id} (a cluster network's copies have other IDs), {@code name} (against the names shown) and
     * {@code label} (against the labels shown) over the merged list, and {@code dangling} over all copies (a cluster
     * network is dangling when no node has a container on it). The engines judge the rest (driver, scope, type) and
     * refuse what they do not know, with their own messages.
     */
    public void list(Exchange ex) {
        Optional<ObjectNode> parsed = ListFilters.parse(ex.param("filters"));
        List<NodeStatus> nodes = cluster.dispatcher().healthyNodes();
        if (parsed.isEmpty()) { // malformed: the engines answer it
            for (var r : cluster.fanOut(nodes, n -> cluster.engines().get(n.record().address(),
                    "/networks" + ex.queryString()))) {
                if (r.ok() && !r.value().ok()) {
                    throw r.value().asError();
                }
            }
            throw DockerException.badRequest("invalid filters");
        }
        ObjectNode toEngines = parsed.get();
        JsonNode danglingValues = toEngines.get("dangling");
        ListFilters mine = ListFilters.take(toEngines, "id", "name", "label", "dangling");
        String query = toEngines.isEmpty() ? "" : "?filters=" + Cluster.encode(toEngines.toString());
        String danglingQuery = danglingValues == null ? null : "?filters=" + Cluster.encode(
                ClusterStore.JSON.createObjectNode().set("dangling", danglingValues).toString());
        var results = cluster.fanOut(nodes, n -> {
            EngineClient.Reply listed = cluster.engines().get(n.record().address(), "/networks" + query);
            EngineClient.Reply dangling = danglingQuery == null || !listed.ok() ? null
                    : cluster.engines().get(n.record().address(), "/networks" + danglingQuery);
            return new EngineClient.Reply[] {listed, dangling};
        });
        boolean danglingOnly = mine.has("dangling") && List.of("1", "true").contains(mine.get("dangling").get(0));
        Map<String, ObjectNode> clusterNetworks = new LinkedHashMap<>();
        Map<String, Boolean> clusterKept = new LinkedHashMap<>();
        List<ObjectNode> out = new ArrayList<>();
        for (var r : results) {
            if (!r.ok()) {
                continue;
            }
            for (EngineClient.Reply reply : r.value()) {
                if (reply != null && !reply.ok()) {
                    throw reply.asError();
                }
            }
            Set<String> danglingAnswer = new java.util.HashSet<>();
            if (r.value()[1] != null) {
                r.value()[1].json().forEach(n -> danglingAnswer.add(n.path("Id").asText()));
            }
            for (JsonNode n : r.value()[0].json()) {
                ObjectNode net = (ObjectNode) n;
                // whether this copy passes the dangling filter on its own engine
                boolean inAnswer = danglingAnswer.contains(net.path("Id").asText());
                String clusterId = net.path("Labels").path(NetworkRecord.LABEL).asText("");
                if (!clusterId.isEmpty()) {
                    ObjectNode known = clusterNetworks.get(clusterId);
                    if (known == null) {
                        clusterNetworks.put(clusterId, asClusterNetwork(net, clusterId));
                    } else {
                        mergeContainers(known, net);
                    }
                    if (mine.has("dangling")) {
                        // dangling: on no node in use (every copy passes); in use: on some node (any copy passes)
                        clusterKept.merge(clusterId, inAnswer, danglingOnly ? Boolean::logicalAnd : Boolean::logicalOr);
                    }
                } else if (!mine.has("dangling") || inAnswer) {
                    net.put("Name", r.node().name() + "/" + net.path("Name").asText());
                    out.add(net);
                }
            }
        }
        List<ObjectNode> all = new ArrayList<>();
        clusterNetworks.forEach((id, net) -> {
            if (clusterKept.getOrDefault(id, true)) {
                all.add(net);
            }
        });
        all.addAll(out);
        all.removeIf(net -> !mine.match("id", net.path("Id").asText()) || !mine.match("name", net.path("Name").asText())
                || !mine.matchKeyValues("label", net.path("Labels")));
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
