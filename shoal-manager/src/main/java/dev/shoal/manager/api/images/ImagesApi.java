package dev.shoal.manager.api.images;

import dev.shoal.manager.engine.FanOut;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.manager.api.Cluster;
import dev.shoal.manager.errors.DockerException;
import dev.shoal.manager.api.Exchange;
import dev.shoal.manager.api.Merged;
import dev.shoal.manager.api.NodeFilter;
import dev.shoal.manager.api.ResponseStream;
import dev.shoal.manager.dispatcher.NodeStatus;
import dev.shoal.manager.engine.EngineClient;
import dev.shoal.manager.state.ClusterStore;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** /images/…: lists merged over nodes, changes applied on every node that holds the image, loads sent to all. */
public final class ImagesApi {
    private final Cluster cluster;

    public ImagesApi(Cluster cluster) {
        this.cluster = cluster;
    }

    /**
     * {@code docker images} over every node, one entry per image ID. {@code before=}/{@code since=} name an image
     * that some nodes may not hold (their engines would answer 404): the manager resolves it where it is, takes
     * those filters out of the engines' query and keeps the images created strictly before (after) it.
     */
    public void list(Exchange ex) {
        List<String> before = new ArrayList<>();
        List<String> since = new ArrayList<>();
        NodeFilter scope = NodeFilter.of(cluster, ex, filters -> {
            before.addAll(NodeFilter.values(filters.remove("before")));
            since.addAll(NodeFilter.values(filters.remove("since")));
            return !before.isEmpty() || !since.isEmpty();
        });
        // as an engine does: several values are ANDed (the oldest `before`, the newest `since`)
        Instant beforeTime = before.stream().map(this::createdOf).min(Instant::compareTo).orElse(null);
        Instant sinceTime = since.stream().map(this::createdOf).max(Instant::compareTo).orElse(null);
        var results = cluster.fanOut(scope.nodes(), n -> cluster.engines().get(
                n.record().address(), "/images/json" + scope.suffix()));
        Map<String, ObjectNode> byId = new LinkedHashMap<>();
        Map<String, NodeStatus> nodeById = new LinkedHashMap<>();
        for (var r : results) {
            if (!r.ok() || !r.value().ok()) {
                if (r.ok() && r.value().status() == 400) {
                    throw r.value().asError();
                }
                continue;
            }
            for (JsonNode image : r.value().json()) {
                String id = image.path("Id").asText();
                ObjectNode known = byId.get(id);
                if (known == null) {
                    byId.put(id, (ObjectNode) image);
                    nodeById.put(id, r.node());
                } else {
                    union(known, image, "RepoTags");
                    union(known, image, "RepoDigests");
                }
            }
        }
        List<ObjectNode> all = new ArrayList<>();
        for (ObjectNode image : byId.values()) {
            String id = image.path("Id").asText();
            if (createdWithin(image, nodeById.get(id), sinceTime, beforeTime)) {
                all.add(image);
            }
        }
        all.sort((a, b) -> Long.compare(b.path("Created").asLong(), a.path("Created").asLong()));
        ex.respondJson(200, all);
    }

    /** When the image {@code ref} was created, from a node holding it; 404 as an engine answers when none does. */
    private Instant createdOf(String ref) {
        var holders = holders(Cluster.encode(ref));
        if (holders.isEmpty()) {
            throw DockerException.noSuchImage(ref);
        }
        return created(holders.get(0).value().json(), ref);
    }

    private static Instant created(JsonNode inspect, String ref) {
        try {
            return Instant.parse(inspect.path("Created").asText());
        } catch (java.time.format.DateTimeParseException e) {
            throw new DockerException(500, "image " + ref + " has no creation time: " + e.getMessage());
        }
    }

    /**
     * Whether a listed image was created strictly after {@code since} and strictly before {@code before} (either
     * may be null). Lists give whole seconds; an image in the same second as a bound is inspected on its node.
     */
    private boolean createdWithin(JsonNode image, NodeStatus node, Instant since, Instant before) {
        long secs = image.path("Created").asLong();
        Instant exact = null;
        for (int i = 0; i < 2; i++) {
            Instant bound = i == 0 ? since : before;
            if (bound == null) {
                continue;
            }
            long cmp = Long.compare(secs, bound.getEpochSecond());
            if (cmp == 0) {
                if (exact == null) {
                    String id = image.path("Id").asText();
                    EngineClient.Reply r = cluster.engines().get(node.record().address(),
                            "/images/" + Cluster.encode(id) + "/json");
                    if (!r.ok()) {
                        return false; // removed meanwhile
                    }
                    exact = created(r.json(), id);
                }
                cmp = exact.compareTo(bound);
            }
            if (i == 0 ? cmp <= 0 : cmp >= 0) {
                return false;
            }
        }
        return true;
    }

    private static void union(ObjectNode into, JsonNode from, String field) {
        Set<String> values = new LinkedHashSet<>();
        into.path(field).forEach(v -> values.add(v.asText()));
        from.path(field).forEach(v -> values.add(v.asText()));
        ArrayNode arr = into.putArray(field);
        values.forEach(arr::add);
    }

    /** The healthy nodes that hold {@code name}, each with its inspect answer. */
    private List<FanOut.NodeResult<EngineClient.Reply>> holders(String name) {
        return cluster.fanOut(cluster.dispatcher().healthyNodes(),
                        n -> cluster.engines().get(n.record().address(), "/images/" + Cluster.encode(name) + "/json"))
                .stream().filter(r -> r.ok() && r.value().ok()).toList();
    }

    public void inspect(Exchange ex, String name) {
        var holders = holders(name);
        if (holders.isEmpty()) {
            throw DockerException.noSuchImage(name);
        }
        ex.respondJson(200, holders.get(0).value().body());
    }

    public void forward(Exchange ex, String name, String suffix) {
        var holders = holders(name);
        if (holders.isEmpty()) {
            throw DockerException.noSuchImage(name);
        }
        cluster.proxy().forward(ex, holders.get(0).node().record().address(),
                "/images/" + Cluster.encode(name) + suffix + ex.queryString());
    }

    /**
     * {@code docker push}: from a node holding the image. When none holds it, any node answers, as one engine
     * does: 200 and a progress stream ending in {@code "An image does not exist locally with the tag: …"}.
     */
    public void push(Exchange ex, String name) {
        var holders = holders(name);
        if (holders.isEmpty()) {
            anyNode(ex);
            return;
        }
        cluster.proxy().forward(ex, holders.get(0).node().record().address(),
                "/images/" + Cluster.encode(name) + "/push" + ex.queryString());
    }

    /**
     * {@code docker save A B …}: one node's archive when one node holds them all; otherwise each node saves the
     * images it holds (fewest nodes first) and the archives are joined into one as they stream through.
     */
    public void saveMany(Exchange ex) throws IOException {
        List<String> names = ex.params().getOrDefault("names", List.of());
        if (names.isEmpty()) {
            anyNode(ex); // one engine answers an empty archive
            return;
        }
        Map<String, List<NodeStatus>> holding = new LinkedHashMap<>();
        for (String name : names) {
            var h = holders(name).stream().map(FanOut.NodeResult::node).toList();
            if (h.isEmpty()) {
                throw DockerException.noSuchImage(name);
            }
            holding.put(name, h);
        }
        // greedy cover: the node holding most of the images still unassigned, until all are
        Map<NodeStatus, List<String>> plan = new LinkedHashMap<>();
        Set<String> left = new LinkedHashSet<>(names);
        while (!left.isEmpty()) {
            Map<NodeStatus, List<String>> counts = new LinkedHashMap<>();
            for (String name : left) {
                for (NodeStatus n : holding.get(name)) {
                    counts.computeIfAbsent(n, k -> new ArrayList<>()).add(name);
                }
            }
            var best = counts.entrySet().stream().max((a, b) -> Integer.compare(a.getValue().size(),
                    b.getValue().size())).orElseThrow();
            plan.put(best.getKey(), best.getValue());
            left.removeAll(best.getValue());
        }
        if (plan.size() == 1) {
            cluster.proxy().forward(ex, plan.keySet().iterator().next().record().address(),
                    "/images/get" + ex.queryString());
            return;
        }
        ResponseStream out = ex.stream(200, "application/x-tar");
        try (var target = new java.io.BufferedOutputStream(new java.io.OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (!out.write(java.util.Arrays.copyOfRange(b, off, off + len))) {
                    throw new IOException("the client went away");
                }
            }
        }, 256 * 1024); ArchiveMerge merged = new ArchiveMerge(target)) {
            for (var step : plan.entrySet()) {
                StringBuilder q = new StringBuilder();
                for (String name : step.getValue()) {
                    q.append(q.isEmpty() ? "?" : "&").append("names=").append(Cluster.encode(name));
                }
                var res = cluster.engines().stream(step.getKey().record().address(), "/images/get" + q);
                try (InputStream in = res.body()) {
                    if (res.statusCode() != 200) {
                        throw new IOException(step.getKey().name() + " answered " + res.statusCode() + ": "
                                + new String(in.readAllBytes(), StandardCharsets.UTF_8).strip());
                    }
                    merged.add(in);
                }
            }
        } catch (IOException e) {
            // the head is sent: a broken archive (no end marker) is how the client learns it failed
            ex.channel().close();
            return;
        } finally {
            out.close();
        }
    }

    /**
     * {@code docker build} (the classic builder): the scheduler picks the node, honouring classic Swarm's
     * {@code --build-arg constraint:EXPR} and {@code --build-arg affinity:EXPR} (taken out of the build args the
     * engine sees); a build that fits nowhere fails with the scheduler's explanation before anything is sent. The
     * image stays on that node, and a later {@code docker run} of it lands there.
     */
    public void build(Exchange ex) {
        List<String> rules = new ArrayList<>();
        String buildArgs = ex.param("buildargs");
        ObjectNode kept = ClusterStore.JSON.createObjectNode();
        if (buildArgs != null && !buildArgs.isBlank()) {
            try {
                JsonNode args = ClusterStore.JSON.readTree(buildArgs);
                args.properties().forEach(e -> {
                    String k = e.getKey();
                    if (k.startsWith("constraint:") || k.startsWith("affinity:")) {
                        rules.add(e.getValue().isNull() ? k : k + "=" + e.getValue().asText());
                    } else {
                        kept.set(k, e.getValue());
                    }
                });
            } catch (IOException | RuntimeException e) {
                throw DockerException.badRequest("invalid buildargs: " + e.getMessage());
            }
        }
        // --network: a cluster network's ID (or ID prefix) is unknown to the engines, whose copies have their own
        // IDs: the engine is given its name. NODE/NAME (one engine's own network) builds on that node.
        String network = ex.param("networkmode");
        String networkMode = network;
        if (network != null && !network.isEmpty()) {
            String clusterName = dev.shoal.manager.api.networks.NetworksApi.clusterNetworkName(cluster, network);
            int slash = network.indexOf('/');
            if (clusterName != null) {
                networkMode = clusterName;
            } else if (slash > 0 && cluster.dispatcher().nodeByName(network.substring(0, slash)).isPresent()) {
                rules.add("constraint:node==" + network.substring(0, slash));
                networkMode = network.substring(slash + 1);
            }
        }
        dev.shoal.scheduler.model.Request request;
        try {
            request = dev.shoal.scheduler.model.Request.builder().fromDocker(rules, Map.of()).build();
        } catch (dev.shoal.scheduler.expr.ParseException e) {
            throw DockerException.badRequest(e.getMessage());
        }
        dev.shoal.scheduler.Placement p = cluster.placer().decide(request);
        if (p instanceof dev.shoal.scheduler.Placement.Unschedulable u) {
            throw new DockerException(500, u.message());
        }
        NodeStatus node = cluster.dispatcher().node(((dev.shoal.scheduler.Placement.Placed) p).nodeId()).orElseThrow();
        List<String> params = new ArrayList<>();
        String finalNetworkMode = networkMode;
        ex.params().forEach((k, values) -> {
            if (k.equals("buildargs")) {
                if (!kept.isEmpty()) {
                    params.add("buildargs=" + Cluster.encode(kept.toString()));
                }
            } else if (k.equals("networkmode")) {
                params.add("networkmode=" + Cluster.encode(finalNetworkMode));
            } else {
                values.forEach(v -> params.add(Cluster.encode(k) + "=" + Cluster.encode(v)));
            }
        });
        cluster.proxy().forward(ex, node.record().address(),
                "/build" + (params.isEmpty() ? "" : "?" + String.join("&", params)));
    }

    /**
     * {@code docker import}: the image is made on the node the scheduler picks (like a container with no rules),
     * and later runs of it land there.
     */
    private void importImage(Exchange ex) {
        dev.shoal.scheduler.Placement p = cluster.placer().decide(dev.shoal.scheduler.model.Request.none());
        if (p instanceof dev.shoal.scheduler.Placement.Unschedulable u) {
            throw new DockerException(503, u.message());
        }
        NodeStatus node = cluster.dispatcher().node(((dev.shoal.scheduler.Placement.Placed) p).nodeId()).orElseThrow();
        cluster.proxy().forward(ex, node.record().address(), "/images/create" + ex.queryString());
    }

    /** {@code docker builder prune}: every node's build cache; the answers are summed. */
    public void buildPrune(Exchange ex) {
        var results = cluster.fanOut(cluster.dispatcher().healthyNodes(), n -> cluster.engines().post(
                n.record().address(), "/build/prune" + ex.queryString(), null));
        ex.respondJson(200, Merged.prune(results, "CachesDeleted"));
    }

    /** {@code docker image prune}: every node prunes; the answers are summed. */
    public void prune(Exchange ex) {
        var results = cluster.fanOut(cluster.dispatcher().healthyNodes(), n -> cluster.engines().post(
                n.record().address(), "/images/prune" + ex.queryString(), null));
        ex.respondJson(200, Merged.prune(results, "ImagesDeleted"));
    }

    /** Calls no image names (search, auth): any healthy node answers. */
    public void anyNode(Exchange ex) {
        var nodes = cluster.dispatcher().healthyNodes();
        if (nodes.isEmpty()) {
            throw new DockerException(503, "No healthy node available in the cluster");
        }
        cluster.proxy().forward(ex, nodes.get(0).record().address(), ex.path() + ex.queryString());
    }

    public void delete(Exchange ex, String name) {
        var holders = holders(name);
        if (holders.isEmpty()) {
            throw DockerException.noSuchImage(name);
        }
        String q = ex.queryString();
        var results = cluster.fanOut(holders.stream().map(FanOut.NodeResult::node).toList(),
                n -> cluster.engines().delete(n.record().address(), "/images/" + Cluster.encode(name) + q));
        ArrayNode merged = ClusterStore.JSON.createArrayNode();
        Set<String> seen = new LinkedHashSet<>();
        for (var r : results) {
            if (!r.ok()) {
                throw r.error();
            }
            if (!r.value().ok()) {
                throw new DockerException(r.value().status(), r.node().name() + ": " + r.value().message());
            }
            for (JsonNode item : r.value().json()) {
                if (seen.add(item.toString())) {
                    merged.add(item);
                }
            }
        }
        ex.respondJson(200, merged);
    }

    public void tag(Exchange ex, String name) {
        var holders = holders(name);
        if (holders.isEmpty()) {
            throw DockerException.noSuchImage(name);
        }
        String q = ex.queryString();
        var results = cluster.fanOut(holders.stream().map(FanOut.NodeResult::node).toList(),
                n -> cluster.engines().post(n.record().address(), "/images/" + Cluster.encode(name) + "/tag" + q, null));
        for (var r : results) {
            if (!r.ok()) {
                throw r.error();
            }
            if (!r.value().ok()) {
                throw new DockerException(r.value().status(), r.value().message());
            }
        }
        ex.respondEmpty(201);
    }

    /** docker load: the archive goes to every healthy node; each distinct message is reported once. */
    public void load(Exchange ex) throws IOException {
        List<NodeStatus> nodes = healthyNodes();
        Path archive = ex.body().file();
        String q = ex.queryString();
        var results = cluster.fanOut(nodes,
                n -> cluster.engines().postFile(n.record().address(), "/images/load" + q, archive, "application/x-tar"));
        ResponseStream out = ex.stream(200, "application/json");
        Set<String> seen = new LinkedHashSet<>();
        for (var r : results) {
            String failure = failure(r);
            if (failure != null) {
                out.write(errorLine(failure));
                continue;
            }
            for (String line : new String(r.value().body(), StandardCharsets.UTF_8).split("\r?\n")) {
                if (!line.isBlank() && seen.add(line)) {
                    out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
                }
            }
        }
        out.close();
    }

    /** docker pull: asks every healthy node to pull, reports each node's outcome. */
    public void pull(Exchange ex) {
        if (ex.param("fromSrc") != null) {
            importImage(ex);
            return;
        }
        List<NodeStatus> nodes = healthyNodes();
        String q = ex.queryString();
        var results = cluster.fanOut(nodes, n -> cluster.engines().post(n.record().address(), "/images/create" + q, null));
        refuseIfAllRefused(results);
        ResponseStream out = ex.stream(200, "application/json");
        for (var r : results) {
            String refused = failure(r);
            if (refused != null) {
                out.write(errorLine(refused));
                continue;
            }
            String failure = null;
            for (String line : new String(r.value().body(), StandardCharsets.UTF_8).split("\r?\n")) {
                if (line.isBlank()) {
                    continue;
                }
                try {
                    JsonNode msg = ClusterStore.JSON.readTree(line);
                    if (msg.hasNonNull("error")) {
                        failure = msg.get("error").asText();
                        continue;
                    }
                    if (msg instanceof ObjectNode o && o.has("status") && !o.has("id")) {
                        o.put("status", r.node().name() + ": " + o.get("status").asText());
                    }
                    out.write((ClusterStore.JSON.writeValueAsString(msg) + "\n").getBytes(StandardCharsets.UTF_8));
                } catch (IOException e) {
                    // not JSON: skip
                }
            }
            if (failure != null) {
                out.write(errorLine(r.node().name() + ": " + failure));
                break; // the CLI stops at the first error message; one is enough
            }
        }
        out.close();
    }

    /**
     * Every node refused the pull before streaming (no registry, bad reference, …): answered as one engine answers
     * it, with the engine's status and {@code {"message": …}} (the message once when every node gave the same one,
     * else each node's), not as a 200 stream (docker-java reads that as a pull that streamed no status).
     */
    private static void refuseIfAllRefused(List<FanOut.NodeResult<EngineClient.Reply>> results) {
        if (results.isEmpty() || results.stream().anyMatch(r -> r.ok() && r.value().ok())) {
            return;
        }
        var answered = results.stream().filter(FanOut.NodeResult::ok).toList();
        int status = answered.isEmpty() ? 500 : answered.get(0).value().status();
        Set<String> messages = new LinkedHashSet<>();
        answered.forEach(r -> messages.add(r.value().message()));
        if (answered.size() == results.size() && messages.size() == 1) {
            throw new DockerException(status, messages.iterator().next());
        }
        throw new DockerException(status, String.join("; ", results.stream().map(ImagesApi::failure).toList()));
    }

    private List<NodeStatus> healthyNodes() {
        List<NodeStatus> nodes = cluster.dispatcher().healthyNodes();
        if (nodes.isEmpty()) {
            throw new DockerException(500, "No healthy node available in the cluster");
        }
        return nodes;
    }

    /** "node: why" when the node failed to answer or answered with an error; null when it answered well. */
    private static String failure(FanOut.NodeResult<EngineClient.Reply> r) {
        if (!r.ok()) {
            return r.node().name() + ": " + r.error().getMessage();
        }
        return r.value().ok() ? null : r.node().name() + ": " + r.value().message();
    }

    private static byte[] errorLine(String message) {
        ObjectNode o = ClusterStore.JSON.createObjectNode();
        o.putObject("errorDetail").put("message", message);
        o.put("error", message);
        return (o.toString() + "\n").getBytes(StandardCharsets.UTF_8);
    }
}
