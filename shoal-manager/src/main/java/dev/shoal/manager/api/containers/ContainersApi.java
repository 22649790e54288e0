package dev.shoal.manager.api.containers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.manager.Cluster;
import dev.shoal.manager.api.DockerException;
import dev.shoal.manager.api.Exchange;
import dev.shoal.manager.dispatcher.NodeStatus;
import dev.shoal.manager.engine.EngineClient;
import dev.shoal.manager.state.ClusterStore;
import dev.shoal.manager.state.ContainerRecord;
import dev.shoal.manager.state.Txn;
import dev.shoal.scheduler.NodeSnapshot;
import dev.shoal.scheduler.Spread;

import java.io.IOException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/** /containers/… and /exec/…: placement on create, lookup across nodes, and routing to the container's node. */
public final class ContainersApi {
    public static final String SWARM_ID_LABEL = ContainerRecord.SWARM_ID_LABEL;
    private static final Pattern VALID_NAME = Pattern.compile("/?[a-zA-Z0-9][a-zA-Z0-9_.-]+");
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Cluster cluster;
    private final Object placementLock = new Object();
    /** exec ID -> node ID, learned when the exec is created through the manager. */
    private final Map<String, String> execs = new ConcurrentHashMap<>();

    public ContainersApi(Cluster cluster) {
        this.cluster = cluster;
    }

    // ---- list -------------------------------------------------------------------------------------------

    public void list(Exchange ex) {
        String query = ex.rawQuery();
        List<NodeStatus> nodes = cluster.dispatcher().healthyNodes();
        var results = cluster.fanOut(nodes, n -> cluster.engines().get(n.record().address(),
                "/containers/json" + (query.isEmpty() ? "" : "?" + query)));
        List<ObjectNode> all = new ArrayList<>();
        for (var r : results) {
            if (!r.ok() || !r.value().ok()) {
                if (r.ok() && r.value().status() == 400) {
                    throw r.value().asError(); // a bad filter: the same answer from every node
                }
                continue;
            }
            for (JsonNode c : r.value().json()) {
                ObjectNode copy = (ObjectNode) c;
                rewriteForCluster(copy, r.node());
                all.add(copy);
            }
        }
        all.sort((a, b) -> Long.compare(b.path("Created").asLong(), a.path("Created").asLong()));
        String limit = ex.param("limit");
        int n = limit == null ? -1 : parseInt(limit, -1);
        if (n > 0 && all.size() > n) {
            all = all.subList(0, n);
        }
        ex.respondJson(200, all);
    }

    /** Names become /node/name and unbound host IPs the node's address, as classic Swarm showed them. */
    private static void rewriteForCluster(ObjectNode c, NodeStatus node) {
        ArrayNode names = ClusterStore.JSON.createArrayNode();
        for (JsonNode name : c.path("Names")) {
            String s = name.asText();
            names.add("/" + node.name() + (s.startsWith("/") ? s : "/" + s));
        }
        c.set("Names", names);
        if (c.path("Ports") instanceof ArrayNode ports) {
            ArrayNode rewritten = ClusterStore.JSON.createArrayNode();
            Set<String> seen = new HashSet<>();
            for (JsonNode port : ports) {
                if (port instanceof ObjectNode p && p.has("IP")) {
                    String ip = p.path("IP").asText();
                    if (ip.equals("0.0.0.0") || ip.equals("::")) {
                        p.put("IP", node.record().ip());
                    }
                }
                // the engine lists a binding once per wildcard (0.0.0.0 and ::): on the node's address they are one
                if (seen.add(port.toString())) {
                    rewritten.add(port);
                }
            }
            c.set("Ports", rewritten);
        }
    }

    // ---- create -----------------------------------------------------------------------------------------

    public void create(Exchange ex) {
        ObjectNode body = parseObject(ex.body().bytes());
        String name = ex.param("name");
        if (name != null && !name.isEmpty()) {
            if (!VALID_NAME.matcher(name).matches()) {
                throw DockerException.badRequest("Invalid container name (" + name
                        + "), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
            }
            name = name.startsWith("/") ? name.substring(1) : name;
        } else {
            name = null;
        }
        String image = body.path("Image").asText("");
        if (image.isEmpty()) {
            throw DockerException.badRequest("Config cannot be empty in order to create a container");
        }
        if (name != null) {
            freeStaleName(name);
        }
        List<NodeStatus> healthy = cluster.dispatcher().healthyNodes();
        if (healthy.isEmpty()) {
            throw new DockerException(500, "No healthy node available in the cluster");
        }
        List<NodeStatus> withImage = nodesWithImage(healthy, image);
        if (withImage.isEmpty()) {
            throw DockerException.noSuchImage(image);
        }
        long memory = body.path("HostConfig").path("Memory").asLong(0);
        long nanoCpus = body.path("HostConfig").path("NanoCpus").asLong(0);
        String swarmId = newId();
        ContainerRecord record;
        NodeStatus node;
        synchronized (placementLock) {
            node = place(withImage);
            String finalName = name != null ? name : freshName();
            record = new ContainerRecord(swarmId, finalName, node.id(), null, image, memory, nanoCpus,
                    System.currentTimeMillis());
            Optional<String> conflict = cluster.store().commit(Txn.builder()
                    .requireAbsent(ContainerRecord.nameKey(finalName))
                    .put(record.key(), ClusterStore.toJson(record))
                    .put(ContainerRecord.nameKey(finalName), swarmId)
                    .build());
            if (conflict.isPresent()) {
                throw nameConflict(finalName);
            }
        }
        ObjectNode labels = body.has("Labels") && body.get("Labels").isObject()
                ? (ObjectNode) body.get("Labels") : body.putObject("Labels");
        labels.put(SWARM_ID_LABEL, swarmId);
        EngineClient.Reply reply;
        try {
            reply = cluster.engines().post(node.record().address(),
                    "/containers/create?name=" + Cluster.encode(record.name()), toBytes(body));
        } catch (RuntimeException e) {
            forget(record);
            throw e;
        }
        if (!reply.ok()) {
            forget(record);
            throw reply.asError();
        }
        JsonNode created = reply.json();
        String engineId = created.path("Id").asText();
        cluster.store().commit(Txn.builder().put(record.key(), ClusterStore.toJson(record.withEngineId(engineId)))
                .build());
        ObjectNode answer = ClusterStore.JSON.createObjectNode();
        answer.put("Id", engineId);
        answer.set("Warnings", created.has("Warnings") && !created.get("Warnings").isNull()
                ? created.get("Warnings") : ClusterStore.JSON.createArrayNode());
        ex.respondJson(201, answer);
    }

    private NodeStatus place(List<NodeStatus> candidates) {
        List<NodeSnapshot> snapshots = candidates.stream()
                .map(n -> new NodeSnapshot(n.id(), n.name(), n.healthy(),
                        (int) cluster.containers().countOnNode(n.id())))
                .toList();
        String id = Spread.pick(snapshots).orElseThrow(
                () -> new DockerException(500, "No healthy node available in the cluster")).id();
        return candidates.stream().filter(n -> n.id().equals(id)).findFirst().orElseThrow();
    }

    private List<NodeStatus> nodesWithImage(List<NodeStatus> nodes, String image) {
        var results = cluster.fanOut(nodes,
                n -> cluster.engines().get(n.record().address(), "/images/" + image + "/json"));
        return results.stream().filter(r -> r.ok() && r.value().ok()).map(Cluster.NodeResult::node).toList();
    }

    /** A name held by a record whose container no longer exists (removed on its node) is freed. */
    private void freeStaleName(String name) {
        Optional<ContainerRecord> holder = cluster.containers().byName(name);
        if (holder.isEmpty()) {
            return;
        }
        ContainerRecord rec = holder.get();
        if (rec.engineId() == null) {
            throw nameConflict(name);
        }
        Optional<NodeStatus> node = cluster.dispatcher().node(rec.nodeId());
        if (node.isEmpty() || !node.get().healthy()) {
            throw nameConflict(name, rec);
        }
        EngineClient.Reply r = cluster.engines().get(node.get().record().address(),
                "/containers/" + rec.engineId() + "/json");
        if (r.status() == 404) {
            forget(rec);
        } else {
            throw nameConflict(name, rec);
        }
    }

    private static DockerException nameConflict(String name) {
        return DockerException.conflict("Conflict. The container name \"/" + name
                + "\" is already in use. You have to remove (or rename) that container to be able to reuse that name.");
    }

    private static DockerException nameConflict(String name, ContainerRecord rec) {
        return DockerException.conflict("Conflict. The container name \"/" + name
                + "\" is already in use by container \"" + rec.engineId()
                + "\". You have to remove (or rename) that container to be able to reuse that name.");
    }

    private void forget(ContainerRecord rec) {
        cluster.store().commit(Txn.builder()
                .delete(rec.key())
                .delete(ContainerRecord.nameKey(rec.name()))
                .build());
    }

    // ---- inspect, delete, rename ------------------------------------------------------------------------

    public void inspect(Exchange ex, String ref) {
        Cluster.Located at = cluster.locate(ref);
        JsonNode json = at.inspect();
        if (json == null || ex.flag("size")) {
            EngineClient.Reply r = cluster.engines().get(at.node().record().address(),
                    "/containers/" + at.engineId() + "/json" + ex.queryString());
            if (!r.ok()) {
                throw r.status() == 404 ? DockerException.noSuchContainer(ref) : r.asError();
            }
            json = r.json();
        }
        ObjectNode out = (ObjectNode) json;
        out.set("Node", nodeJson(at.node()));
        ex.respondJson(200, out);
    }

    /** The Node object classic Swarm added to inspect output. */
    static ObjectNode nodeJson(NodeStatus n) {
        ObjectNode node = ClusterStore.JSON.createObjectNode();
        node.put("ID", n.id());
        node.put("IP", n.record().ip());
        node.put("Addr", n.record().address());
        node.put("Name", n.name());
        node.put("Cpus", n.cpus());
        node.put("Memory", n.memoryBytes());
        ObjectNode labels = node.putObject("Labels");
        n.record().labels().forEach(labels::put);
        return node;
    }

    public void delete(Exchange ex, String ref) {
        Cluster.Located at = cluster.locate(ref);
        EngineClient.Reply r = cluster.engines().delete(at.node().record().address(),
                "/containers/" + at.engineId() + ex.queryString());
        if (r.status() == 404) {
            forgetEngineId(at.engineId());
            throw DockerException.noSuchContainer(ref);
        }
        if (!r.ok()) {
            throw r.asError();
        }
        forgetEngineId(at.engineId());
        ex.respondEmpty(204);
    }

    private void forgetEngineId(String engineId) {
        cluster.containers().byEngineId(engineId).ifPresent(this::forget);
    }

    public void rename(Exchange ex, String ref) {
        String newName = ex.param("name");
        if (newName == null || newName.isEmpty()) {
            throw DockerException.badRequest("Neither old nor new names may be empty");
        }
        if (!VALID_NAME.matcher(newName).matches()) {
            throw DockerException.badRequest("Invalid container name (" + newName
                    + "), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
        }
        String target = newName.startsWith("/") ? newName.substring(1) : newName;
        Cluster.Located at = cluster.locate(ref);
        freeStaleName(target);
        ContainerRecord rec = at.record();
        if (rec != null) {
            Optional<String> conflict = cluster.store().commit(Txn.builder()
                    .requireAbsent(ContainerRecord.nameKey(target))
                    .delete(ContainerRecord.nameKey(rec.name()))
                    .put(ContainerRecord.nameKey(target), rec.swarmId())
                    .put(rec.key(), ClusterStore.toJson(rec.withName(target)))
                    .build());
            if (conflict.isPresent()) {
                throw nameConflict(target);
            }
        }
        EngineClient.Reply r = cluster.engines().post(at.node().record().address(),
                "/containers/" + at.engineId() + "/rename?name=" + Cluster.encode(target), null);
        if (!r.ok()) {
            if (rec != null) {
                cluster.store().commit(Txn.builder()
                        .delete(ContainerRecord.nameKey(target))
                        .put(ContainerRecord.nameKey(rec.name()), rec.swarmId())
                        .put(rec.key(), ClusterStore.toJson(rec))
                        .build());
            }
            throw r.asError();
        }
        ex.respondEmpty(204);
    }

    // ---- pass-through and exec --------------------------------------------------------------------------

    /** Sends the request on to the container's engine, e.g. start, stop, logs, attach, wait. */
    public void forward(Exchange ex, String ref, String suffix) {
        Cluster.Located at = cluster.locate(ref);
        cluster.proxy().forward(ex, at.node().record().address(),
                "/containers/" + at.engineId() + suffix + ex.queryString());
    }

    public void execCreate(Exchange ex, String ref) {
        parseObject(ex.body().bytes());
        Cluster.Located at = cluster.locate(ref);
        EngineClient.Reply r = cluster.engines().post(at.node().record().address(),
                "/containers/" + at.engineId() + "/exec", ex.body().bytes());
        if (!r.ok()) {
            throw r.asError();
        }
        execs.put(r.json().path("Id").asText(), at.node().id());
        ex.respondJson(r.status(), r.body());
    }

    public void forwardExec(Exchange ex, String execId, String suffix) {
        NodeStatus node = execNode(execId);
        cluster.proxy().forward(ex, node.record().address(),
                "/exec/" + execId + suffix + ex.queryString());
    }

    private NodeStatus execNode(String execId) {
        String nodeId = execs.get(execId);
        if (nodeId != null) {
            Optional<NodeStatus> n = cluster.dispatcher().node(nodeId);
            if (n.isPresent()) {
                return n.get();
            }
        }
        var hits = cluster.fanOut(cluster.dispatcher().healthyNodes(),
                n -> cluster.engines().get(n.record().address(), "/exec/" + Cluster.encode(execId) + "/json"))
                .stream().filter(r -> r.ok() && r.value().ok()).toList();
        if (hits.isEmpty()) {
            throw DockerException.notFound("No such exec instance: " + execId);
        }
        execs.put(execId, hits.get(0).node().id());
        return hits.get(0).node();
    }

    // ---- helpers ----------------------------------------------------------------------------------------

    static ObjectNode parseObject(byte[] bytes) {
        if (bytes.length == 0) {
            throw DockerException.badRequest("bad request body: empty JSON body");
        }
        try {
            JsonNode node = ClusterStore.JSON.readTree(bytes);
            if (node == null || !node.isObject()) {
                throw DockerException.badRequest("bad request body: want a JSON object");
            }
            return (ObjectNode) node;
        } catch (IOException e) {
            throw DockerException.badRequest("invalid JSON: " + firstLine(e.getMessage()));
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable body";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static byte[] toBytes(JsonNode node) {
        try {
            return ClusterStore.JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int parseInt(String s, int fallback) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return fallback;
        }
    }

    /** A 64-hex cluster-wide container ID. */
    static String newId() {
        byte[] b = new byte[32];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static final String[] ADJECTIVES = {"brave", "calm", "eager", "fond", "gentle", "happy", "keen",
        "lucid", "merry", "nimble", "proud", "quiet", "rapid", "sharp", "swift", "tender", "vivid", "witty",
        "bold", "clever", "dazzling", "elegant", "festive", "gallant", "jolly", "kind", "lively", "mellow"};
    private static final String[] NAMES = {"anchovy", "barracuda", "carp", "dory", "eel", "flounder", "grouper",
        "herring", "ide", "jack", "koi", "lamprey", "mackerel", "needlefish", "opah", "perch", "quillback",
        "roach", "sardine", "tarpon", "unicorn", "vendace", "wahoo", "yellowtail", "zander", "bream", "cod"};

    /** A Docker-style random name, unused in the cluster at the time of asking. */
    private String freshName() {
        for (int i = 0; i < 100; i++) {
            String n = ADJECTIVES[RANDOM.nextInt(ADJECTIVES.length)] + "_" + NAMES[RANDOM.nextInt(NAMES.length)];
            if (i > 10) {
                n += RANDOM.nextInt(1000);
            }
            if (cluster.containers().byName(n).isEmpty()) {
                return n;
            }
        }
        return "shoal_" + newId().substring(0, 12);
    }
}
