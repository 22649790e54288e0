package dev.shoal.manager.api.containers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.manager.api.Cluster;
import dev.shoal.manager.errors.DockerException;
import dev.shoal.manager.api.Exchange;
import dev.shoal.manager.api.JsonBody;
import dev.shoal.manager.api.NodeFilter;
import dev.shoal.manager.api.Merged;
import dev.shoal.manager.dispatcher.NodeStatus;
import dev.shoal.manager.engine.EngineClient;
import dev.shoal.manager.state.ClusterStore;
import dev.shoal.manager.state.ContainerRecord;
import dev.shoal.manager.state.Txn;
import dev.shoal.manager.views.ContainerEntry;
import dev.shoal.manager.views.NodeContainers;
import dev.shoal.manager.scheduler.CreateSpec;
import dev.shoal.manager.scheduler.Placer;
import dev.shoal.scheduler.expr.ParseException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
    /** exec ID -> node ID, learned when the exec is created through the manager. */
    private final Map<String, String> execs = new ConcurrentHashMap<>();

    public ContainersApi(Cluster cluster) {
        this.cluster = cluster;
    }

    // ---- list -------------------------------------------------------------------------------------------

    /**
     * {@code docker ps}: from the container views for the nodes whose view is ready, when every filter is one the
     * manager evaluates on cached entries (see {@link ViewList}); the other nodes, or every node for other filters,
     * are asked as before, and the answers merged. Each view first fetches again what was marked changed (a
     * caller's own change, or an event not yet applied), so a caller's list shows what it just did.
     */
    public void list(Exchange ex) throws IOException {
        Map<String, List<String>> filters = filters(ex.param("filters"));
        boolean onlyPending = List.of(PendingViews.STATE).equals(filters.get("status"));
        // since=/before= name a container that lives on one node: the manager compares creation times itself
        Created since = latest(filters.get("since"));
        Created before = earliest(filters.get("before"));
        NodeFilter scope = NodeFilter.of(cluster, ex, f -> networkIdsAsNames(f) | withoutOrder(f));
        List<NodeStatus> nodes = onlyPending ? List.of() : scope.nodes();
        ViewList fromViews = onlyPending ? null : ViewList.of(ex, filters);
        Map<String, NodeContainers> synced = fromViews == null ? Map.of() : synced(nodes);
        List<NodeStatus> asked = nodes.stream().filter(n -> !synced.containsKey(n.id())).toList();
        // network=NODE/NAME values name one engine's own network: each node then gets its own network filter
        List<String> scopes = filters.getOrDefault("network", List.of()).stream()
                .map(v -> java.util.Objects.requireNonNullElse(scopedTo(v), "")).toList();
        var results = scopes.stream().allMatch(String::isEmpty)
                ? cluster.fanOut(asked, n -> cluster.engines().get(n.record().address(),
                        "/containers/json" + scope.suffix()))
                : cluster.fanOut(asked.stream().filter(n -> scopes.contains("") || scopes.contains(n.name())).toList(),
                        n -> cluster.engines().get(n.record().address(), "/containers/json"
                                + NodeFilter.of(cluster, ex, f -> networksOf(f, n) | withoutOrder(f)).suffix()));
        List<ListRow> rows = new ArrayList<>();
        List<ObjectNode> all = new ArrayList<>();
        Set<String> answered = new HashSet<>(synced.keySet());
        Map<String, NodeStatus> nodeOf = new java.util.HashMap<>();
        for (var r : results) {
            if (!r.ok() || !r.value().ok()) {
                if (r.ok() && r.value().status() == 400) {
                    throw r.value().asError(); // a bad filter: the same answer from every node
                }
                if (r.ok() && r.value().status() == 404) {
                    answered.add(r.node().id()); // it answered: a since/before container it does not have
                }
                continue;
            }
            answered.add(r.node().id());
            for (JsonNode c : r.value().json()) {
                ObjectNode copy = (ObjectNode) c;
                nodeOf.put(copy.path("Id").asText(), r.node());
                rewriteForCluster(copy, r.node());
                dev.shoal.manager.api.networks.NetworksApi.clusterNetworkIds(cluster, copy);
                all.add(copy);
            }
        }
        if (since != null || before != null) {
            Map<String, java.time.Instant> precise = tiedCreationTimes(all, nodeOf, since, before);
            all.removeIf(c -> (since != null && !since.createdBefore(c, precise))
                    || (before != null && !before.createdAfter(c, precise)));
        }
        all.forEach(c -> rows.add(ListRow.of(c)));
        if (fromViews != null && !synced.isEmpty()) {
            Map<String, NodeStatus> byId = new java.util.HashMap<>();
            nodes.forEach(n -> byId.put(n.id(), n));
            for (ContainerEntry e : fromViews.select(cluster.views(), synced.values())) {
                if (leftBehind(e)) {
                    continue; // its node was lost and it was rescheduled: the reconciler removes this copy
                }
                if ((since == null || since.createdBefore(e)) && (before == null || before.createdAfter(e))) {
                    rows.add(ListRow.of(e, byId.get(e.nodeId())));
                }
            }
        }
        if (ex.flag("all") || onlyPending) {
            fromRecords(rows, answered, filters, onlyPending);
        }
        rows.sort(ListRow.NEWEST_FIRST);
        String limit = ex.param("limit");
        int n = limit == null ? -1 : parseInt(limit, -1);
        List<ListRow> shown = n > 0 && rows.size() > n ? rows.subList(0, n) : rows;
        Object networks = ViewList.networksKey(cluster);
        java.time.Instant now = java.time.Instant.now();
        try (JsonArrayWriter out = new JsonArrayWriter(ex)) {
            for (ListRow row : shown) {
                if (out.gone()) {
                    break;
                }
                if (row.entry() != null) {
                    ViewList.write(out, row.entry(), row.node(), networks, now, c -> {
                        rewriteForCluster(c, row.node());
                        dev.shoal.manager.api.networks.NetworksApi.clusterNetworkIds(cluster, c);
                    });
                } else {
                    out.element(row.json());
                }
            }
        }
    }

    /** How long a list waits for a view to fetch again what was marked, before asking that node instead. */
    private static final long SYNC_WAIT_SECONDS = 10;

    /** The ready views of these nodes, each with its marked containers fetched again (a view that cannot: left out). */
    private Map<String, NodeContainers> synced(List<NodeStatus> nodes) {
        Map<String, NodeContainers> ready = new java.util.LinkedHashMap<>();
        Map<String, java.util.concurrent.CompletableFuture<Void>> syncs = new java.util.HashMap<>();
        for (NodeStatus n : nodes) {
            cluster.views().ready(n.id()).ifPresent(v -> {
                ready.put(n.id(), v);
                syncs.put(n.id(), v.sync());
            });
        }
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(SYNC_WAIT_SECONDS);
        for (var s : syncs.entrySet()) {
            try {
                s.getValue().get(Math.max(0, deadline - System.nanoTime()), java.util.concurrent.TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                ready.remove(s.getKey());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new DockerException(503, "interrupted");
            }
        }
        return ready;
    }

    /**
     * What {@code ps -a} lists from the records, in one pass: pending containers, and (unless only pending ones are
     * asked for) the containers the manager made on nodes that gave no list.
     */
    private void fromRecords(List<ListRow> rows, Set<String> answered, Map<String, List<String>> filters,
                             boolean onlyPending) {
        boolean pendingToo = !filters.containsKey("node");
        List<String> wantedNodes = filters.get("node");
        Map<String, List<String>> rest = new java.util.LinkedHashMap<>(filters);
        rest.remove("node");
        Map<String, Optional<NodeStatus>> nodes = new java.util.HashMap<>();
        for (ContainerRecord rec : cluster.containers().all()) {
            if (rec.isPending()) {
                if (pendingToo && PendingViews.matches(rec, filters)) {
                    rows.add(ListRow.of(PendingViews.summary(rec)));
                }
                continue;
            }
            if (onlyPending || rec.engineId() == null || answered.contains(rec.nodeId())) {
                continue;
            }
            Optional<NodeStatus> node = nodes.computeIfAbsent(rec.nodeId(), id -> cluster.dispatcher().node(id));
            if (node.isEmpty() || wantedNodes != null && !wantedNodes.contains(node.get().name())
                    && !wantedNodes.contains(node.get().id())) {
                continue;
            }
            if (PendingViews.matchesUnreachable(rec, rest)) {
                rows.add(ListRow.of(PendingViews.unreachable(rec, node.get().name())));
            }
        }
    }

    /** Takes {@code since} and {@code before} out of the filters the engines see (the manager applies them). */
    private static boolean withoutOrder(ObjectNode filters) {
        boolean since = filters.remove("since") != null;
        boolean before = filters.remove("before") != null;
        return since || before;
    }

    /** A container's creation instant, for the {@code since}/{@code before} list filters. */
    private record Created(String engineId, java.time.Instant at) {
        /** True if {@code c} (a list entry) was created after this container. */
        boolean createdBefore(ObjectNode c, Map<String, java.time.Instant> precise) {
            return !c.path("Id").asText().equals(engineId) && compare(c, precise) > 0;
        }

        /** True if {@code c} was created before this container. */
        boolean createdAfter(ObjectNode c, Map<String, java.time.Instant> precise) {
            return !c.path("Id").asText().equals(engineId) && compare(c, precise) < 0;
        }

        /** c's creation against this one: by the list's whole seconds, by the exact instant when they tie. */
        private int compare(ObjectNode c, Map<String, java.time.Instant> precise) {
            java.time.Instant exact = precise.get(c.path("Id").asText());
            return exact != null ? exact.compareTo(at) : Long.compare(c.path("Created").asLong(), at.getEpochSecond());
        }

        /** True if the view's entry was created after this container (its exact instant is known). */
        boolean createdBefore(ContainerEntry e) {
            return !e.engineId().equals(engineId) && e.created().isAfter(at);
        }

        /** True if the view's entry was created before this container. */
        boolean createdAfter(ContainerEntry e) {
            return !e.engineId().equals(engineId) && e.created().isBefore(at);
        }

        boolean tiesWith(ObjectNode c) {
            return c.path("Created").asLong() == at.getEpochSecond();
        }
    }

    /**
     * The exact creation instants of the listed containers made in the same second as a since/before container
     * (the list says only seconds): asked of their nodes, which is rare and few.
     */
    private Map<String, java.time.Instant> tiedCreationTimes(List<ObjectNode> all, Map<String, NodeStatus> nodeOf,
                                                             Created since, Created before) {
        Map<String, java.time.Instant> out = new java.util.concurrent.ConcurrentHashMap<>();
        List<ObjectNode> tied = all.stream().filter(c -> (since != null && since.tiesWith(c))
                || (before != null && before.tiesWith(c))).toList();
        for (ObjectNode c : tied) {
            NodeStatus node = nodeOf.get(c.path("Id").asText());
            if (node == null) {
                continue;
            }
            EngineClient.Reply r = cluster.engines().get(node.record().address(),
                    "/containers/" + c.path("Id").asText() + "/json");
            if (r.ok()) {
                out.put(c.path("Id").asText(), java.time.Instant.parse(r.json().path("Created").asText()));
            }
        }
        return out;
    }

    /** The latest of the containers the values name (404 as an engine answers an unknown one), or null. */
    private Created latest(List<String> refs) {
        return pick(refs, (a, b) -> b.at().isAfter(a.at()));
    }

    /** The earliest of them, or null. */
    private Created earliest(List<String> refs) {
        return pick(refs, (a, b) -> b.at().isBefore(a.at()));
    }

    private Created pick(List<String> refs, java.util.function.BiPredicate<Created, Created> better) {
        Created out = null;
        for (String ref : refs == null ? List.<String>of() : refs) {
            Created c = created(ref);
            out = out == null || better.test(out, c) ? c : out;
        }
        return out;
    }

    private Created created(String ref) {
        Cluster.Located at = cluster.locate(ref);
        JsonNode json = at.inspect();
        if (json == null) {
            EngineClient.Reply r = cluster.engines().get(at.node().record().address(),
                    "/containers/" + at.engineId() + "/json");
            if (!r.ok()) {
                throw r.status() == 404 ? DockerException.noSuchContainer(ref) : r.asError();
            }
            json = r.json();
        }
        return new Created(at.engineId(), java.time.Instant.parse(json.path("Created").asText()));
    }

    /**
     * The node a {@code network=NODE/NAME} filter value names (one engine's own network, as {@code network ls} shows
     * it), or null for a plain name or ID. Network names hold no slash, so one before a node's name is unambiguous.
     */
    private String scopedTo(String value) {
        int slash = value.indexOf('/');
        if (slash <= 0) {
            return null;
        }
        String node = value.substring(0, slash);
        return cluster.dispatcher().nodeByName(node).isPresent() ? node : null;
    }

    /**
     * The network filter as {@code node}'s engine must see it: plain values as they are (cluster IDs as names), and of
     * the {@code NODE/NAME} values only this node's, by their plain name.
     */
    private boolean networksOf(ObjectNode filters, NodeStatus node) {
        networkIdsAsNames(filters);
        ObjectNode mine = ClusterStore.JSON.createObjectNode();
        for (String v : NodeFilter.values(filters.get("network"))) {
            String scope = scopedTo(v);
            if (scope == null) {
                mine.put(v, true);
            } else if (scope.equals(node.name())) {
                mine.put(v.substring(scope.length() + 1), true);
            }
        }
        filters.set("network", mine);
        return true;
    }

    /**
     * {@code --filter network=ID} with the ID of a network made through the manager: each engine knows its copy
     * by the same name but by its own ID, so the cluster ID is sent as the name.
     */
    private boolean networkIdsAsNames(ObjectNode filters) {
        List<String> wanted = NodeFilter.values(filters.get("network"));
        if (wanted.isEmpty()) {
            return false;
        }
        var networks = dev.shoal.manager.api.networks.NetworksApi.records(cluster);
        boolean changed = false;
        ObjectNode rewritten = ClusterStore.JSON.createObjectNode();
        for (String v : wanted) {
            rewritten.put(v, true);
            // as an engine matches a network ID: by any prefix
            for (var net : networks) {
                if (!v.isEmpty() && net.id().startsWith(v)) {
                    rewritten.put(net.name(), true);
                    changed = true;
                }
            }
        }
        if (changed) {
            filters.set("network", rewritten);
        }
        return changed;
    }

    /** The {@code filters} query parameter, in either of its JSON shapes ({"k":["v"]} or {"k":{"v":true}}). */
    private static Map<String, List<String>> filters(String json) {
        Map<String, List<String>> out = new java.util.LinkedHashMap<>();
        if (json == null || json.isBlank()) {
            return out;
        }
        try {
            JsonNode node = ClusterStore.JSON.readTree(json);
            node.properties().forEach(e -> {
                List<String> values = new ArrayList<>();
                if (e.getValue().isArray()) {
                    e.getValue().forEach(v -> values.add(v.asText()));
                } else {
                    e.getValue().fieldNames().forEachRemaining(values::add);
                }
                out.put(e.getKey(), values);
            });
        } catch (IOException | RuntimeException e) {
            throw DockerException.badRequest("invalid filters: " + e.getMessage());
        }
        return out;
    }

    /** A pending container this reference names (exactly by name or ID, or by a unique ID prefix). */
    private Optional<ContainerRecord> pending(String ref) {
        if (ref == null || ref.isEmpty() || ref.contains("/")) {
            return Optional.empty();
        }
        Optional<ContainerRecord> exact = cluster.containers().exact(ref);
        if (exact.isPresent()) {
            return exact.filter(ContainerRecord::isPending);
        }
        List<ContainerRecord> byPrefix = ref.length() >= 4 ? cluster.containers().bySwarmIdPrefix(ref) : List.of();
        return byPrefix.size() == 1 && byPrefix.get(0).isPending() ? Optional.of(byPrefix.get(0)) : Optional.empty();
    }

    /** Names become /node/name and unbound host IPs the node's address, as classic Swarm showed them. */
    static void rewriteForCluster(ObjectNode c, NodeStatus node) {
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
        CreateSpec spec;
        try {
            spec = CreateSpec.from(body, cluster.placer().cpuSharesAsCores());
        } catch (ParseException e) {
            throw DockerException.badRequest(e.getMessage());
        }
        if (name != null) {
            freeStaleName(name);
        }
        // a client that will attach (docker run without -d, docker create) is told at once why nothing fits
        boolean attaches = body.path("AttachStdout").asBoolean(false) || body.path("AttachStderr").asBoolean(false)
                || body.path("AttachStdin").asBoolean(false);
        Placer.Created created = cluster.placer().create(newId(), name, image, spec, body, attaches,
                this::freshName);
        ObjectNode answer = ClusterStore.JSON.createObjectNode();
        switch (created) {
            case Placer.Created.OnNode on -> {
                cluster.views().changed(on.record().nodeId(), on.record().engineId());
                answer.put("Id", on.record().engineId());
                JsonNode warnings = on.engineReply().get("Warnings");
                answer.set("Warnings", warnings != null && !warnings.isNull() ? warnings
                        : ClusterStore.JSON.createArrayNode());
            }
            case Placer.Created.Pending p -> {
                answer.put("Id", p.record().swarmId());
                // classic Swarm's refusal (opening and [conditions]) and Shoal's detail, then what happens next
                answer.putArray("Warnings").add(p.why().message() + "\nPending: no node can take this container yet;"
                        + " it starts as soon as one can (docker inspect shows why)");
            }
        }
        ex.respondJson(201, answer);
    }

    /** A copy of a container whose record names no node or another one (see the reconciler's {@code leftBehind}). */
    private boolean leftBehind(ContainerEntry e) {
        return cluster.containers().movedAway(e.labels().get(ContainerRecord.SWARM_ID_LABEL), e.nodeId()).isPresent();
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

    /** {@code docker container prune}: every node prunes its stopped containers; the answers are summed. */
    public void prune(Exchange ex) {
        var results = cluster.fanOut(cluster.dispatcher().healthyNodes(), n -> cluster.engines().post(
                n.record().address(), "/containers/prune" + ex.queryString(), null));
        for (var r : results) {
            if (r.ok() && r.value().ok()) {
                r.value().json().path("ContainersDeleted").forEach(id -> cluster.views().changed(r.node().id(),
                        id.asText()));
            }
        }
        ex.respondJson(200, Merged.prune(results, "ContainersDeleted"));
    }

    /** {@code docker commit}: on the container's node, so the image is where the container was. */
    public void commit(Exchange ex) {
        String ref = ex.param("container");
        if (ref == null || ref.isEmpty()) {
            throw DockerException.badRequest("missing container parameter");
        }
        Cluster.Located at = cluster.locate(ref);
        List<String> params = new ArrayList<>();
        ex.params().forEach((k, values) -> values.forEach(v -> params.add(Cluster.encode(k) + "="
                + Cluster.encode(k.equals("container") ? at.engineId() : v))));
        cluster.proxy().forward(ex, at.node().record().address(), "/commit?" + String.join("&", params));
    }

    // ---- inspect, delete, rename ------------------------------------------------------------------------

    public void inspect(Exchange ex, String ref) {
        Optional<ContainerRecord> waiting = pending(ref);
        if (waiting.isPresent()) {
            ex.respondJson(200, PendingViews.inspect(waiting.get()));
            return;
        }
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
        dev.shoal.manager.api.networks.NetworksApi.clusterNetworkIds(cluster, out);
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
        Optional<ContainerRecord> waiting = pending(ref);
        if (waiting.isPresent() && cluster.placer().cancel(waiting.get())) {
            ex.respondEmpty(204);
            return;
        }
        Cluster.Located at = cluster.locate(ref);
        EngineClient.Reply r = cluster.engines().delete(at.node().record().address(),
                "/containers/" + at.engineId() + ex.queryString());
        cluster.views().changed(at.node().id(), at.engineId());
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
        Optional<ContainerRecord> waiting = pending(ref);
        if (waiting.isPresent()) {
            renameRecord(waiting.get(), target); // no engine has it yet: the record is all there is
            ex.respondEmpty(204);
            return;
        }
        Cluster.Located at = cluster.locate(ref);
        freeStaleName(target);
        ContainerRecord rec = at.record();
        if (rec != null) {
            renameRecord(rec, target);
        }
        EngineClient.Reply r = cluster.engines().post(at.node().record().address(),
                "/containers/" + at.engineId() + "/rename?name=" + Cluster.encode(target), null);
        cluster.views().changed(at.node().id(), at.engineId());
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

    /** Moves a record and its name key to {@code target} in one transaction; 409 if the name is taken. */
    private void renameRecord(ContainerRecord rec, String target) {
        Optional<String> conflict = cluster.store().commit(Txn.builder()
                .requireValue(rec.key(), ClusterStore.toJson(rec))
                .requireAbsent(ContainerRecord.nameKey(target))
                .delete(ContainerRecord.nameKey(rec.name()))
                .put(ContainerRecord.nameKey(target), rec.swarmId())
                .put(rec.key(), ClusterStore.toJson(rec.withName(target)))
                .build());
        if (conflict.isPresent()) {
            throw cluster.containers().byName(target).isPresent() ? nameConflict(target)
                    : DockerException.conflict("container " + rec.name() + " changed meanwhile; try again");
        }
    }

    // ---- pass-through and exec --------------------------------------------------------------------------

    /** Calls passed through to the engine that change what {@code docker ps} shows of the container. */
    private static final Set<String> CHANGES_STATE = Set.of("/start", "/stop", "/restart", "/kill", "/pause",
            "/unpause", "/update");

    /** Sends the request on to the container's engine, e.g. start, stop, logs, attach, wait. */
    public void forward(Exchange ex, String ref, String suffix) {
        Optional<ContainerRecord> waiting = pending(ref);
        if (waiting.isPresent()) {
            forwardPending(ex, waiting.get(), suffix);
            return;
        }
        Cluster.Located at = cluster.locate(ref);
        if (suffix.equals("/update") && at.record() != null) {
            update(ex, at);
            return;
        }
        if (at.record() != null) {
            Boolean desired = desiredRunning(suffix, ex.param("signal"));
            if (desired != null) {
                cluster.placer().desireRunning(at.record(), desired);
            }
        }
        if (CHANGES_STATE.contains(suffix)) {
            // noted before the client hears the engine's answer: its next list fetches the container again
            ex.beforeAnswer(() -> cluster.views().changed(at.node().id(), at.engineId()));
        }
        if (suffix.equals("/wait")) {
            // the wait ends when the container has exited (or is removed, --rm): the caller's next list shows that
            ex.atEnd(() -> cluster.views().changed(at.node().id(), at.engineId()));
        }
        cluster.proxy().forward(ex, at.node().record().address(),
                "/containers/" + at.engineId() + suffix + ex.queryString());
    }

    /**
     * The run state a call asks for: start and restart run it, stop and a kill with SIGKILL (the default) end it;
     * null for anything else (a kill with another signal may leave it running).
     */
    static Boolean desiredRunning(String suffix, String signal) {
        return switch (suffix) {
            case "/start", "/restart" -> true;
            case "/stop" -> false;
            case "/kill" -> signal == null || signal.isEmpty() || signal.equalsIgnoreCase("KILL")
                    || signal.equalsIgnoreCase("SIGKILL") || signal.equals("9") ? false : null;
            default -> null;
        };
    }

    /** {@code docker update}: the reservation follows the new limits, and is checked against the node first. */
    private void update(Exchange ex, Cluster.Located at) {
        byte[] bytes = ex.body().bytes();
        ObjectNode body = parseObject(bytes);
        long memory = body.path("Memory").asLong(0);
        long nanoCpus;
        try {
            nanoCpus = dev.shoal.scheduler.model.Request.nanoCpus(body.path("NanoCpus").asLong(0),
                body.path("CpuShares").asLong(0), cluster.placer().cpuSharesAsCores());
        } catch (ParseException e) {
            throw DockerException.badRequest(e.getMessage());
        }
        if (memory < 0 || nanoCpus < 0) {
            throw DockerException.badRequest("Memory and NanoCpus must not be negative");
        }
        EngineClient.Reply r = cluster.placer().updateReservation(at.record(), memory, nanoCpus,
                () -> cluster.engines().post(at.node().record().address(),
                        "/containers/" + at.engineId() + "/update", bytes));
        cluster.views().changed(at.node().id(), at.engineId());
        if (!r.ok()) {
            throw r.asError();
        }
        ex.respondJson(r.status(), r.body());
    }

    /**
     * A pending container has no engine yet: start marks it to start once placed; stop and kill take that back;
     * attach (a foreground run) fails at once with the reason and removes it, so nothing is left waiting that no
     * one watches; anything else is refused with the reason.
     */
    private void forwardPending(Exchange ex, ContainerRecord rec, String suffix) {
        switch (suffix) {
            case "/start" -> {
                cluster.placer().desireRunning(rec, true);
                ex.respondEmpty(204);
            }
            case "/stop", "/kill" -> {
                cluster.placer().desireRunning(rec, false);
                ex.respondEmpty(204);
            }
            case "/attach", "/attach/ws" -> {
                cluster.placer().cancel(rec);
                throw new DockerException(500, reason(rec));
            }
            case "/wait" -> waitPending(ex, rec);
            default -> throw DockerException.conflict("Container " + rec.name() + " is pending (on no node yet): "
                    + reason(rec));
        }
    }

    /**
     * The CLI asks for the wait before the start, even for {@code run -d}, and waits for the reply's headers: answer
     * them at once, hold the body until the container is placed, then relay its engine's wait.
     */
    private void waitPending(Exchange ex, ContainerRecord rec) {
        try (var out = ex.stream(200, "application/json")) {
            while (!ex.clientGone()) {
                Optional<ContainerRecord> now = cluster.containers().exact(rec.swarmId());
                if (now.isEmpty()) {
                    out.write(("{\"StatusCode\":0,\"Error\":{\"Message\":\"container " + rec.name()
                            + " was removed before a node took it\"}}\n").getBytes(StandardCharsets.UTF_8));
                    return;
                }
                if (now.get().engineId() != null) {
                    NodeStatus node = cluster.dispatcher().node(now.get().nodeId()).orElseThrow();
                    var res = cluster.engines().postStream(node.record().address(),
                            "/containers/" + now.get().engineId() + "/wait" + ex.queryString());
                    try (var in = res.body()) {
                        byte[] buf = new byte[8192];
                        for (int n; (n = in.read(buf)) >= 0 && !ex.clientGone(); ) {
                            if (n > 0 && !out.write(java.util.Arrays.copyOf(buf, n))) {
                                return;
                            }
                        }
                    }
                    return;
                }
                Thread.sleep(200);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException e) {
            // the node went away mid-wait: the client sees the stream end
        }
    }

    private static String reason(ContainerRecord rec) {
        return rec.pendingReason() == null ? "no node can take it yet" : rec.pendingReason();
    }

    private static final Pattern OLD_API = Pattern.compile("^/v1\\.(1\\d|2[0-3])/.*");

    /**
     * {@code POST /containers/{id}/copy}, removed in API 1.24: from 1.24 on dockerd answers 404 with no body (for
     * any container, existing or not), and so does the manager. Older clients are told to use the archive endpoint.
     */
    public void copy(Exchange ex) {
        if (OLD_API.matcher(ex.request().uri()).matches()) {
            throw new DockerException(501, "POST " + ex.path() + " (API before 1.24) is not supported by Shoal:"
                    + " use GET /containers/{id}/archive");
        }
        ex.respondEmpty(404);
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
        return JsonBody.object(bytes, false);
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
