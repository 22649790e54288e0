package dev.shoal.manager.api.system;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.manager.api.Cluster;
import dev.shoal.manager.errors.DockerException;
import dev.shoal.manager.api.Exchange;
import dev.shoal.manager.api.ResponseStream;
import dev.shoal.manager.dispatcher.EngineInfo;
import dev.shoal.manager.dispatcher.NodeStatus;
import dev.shoal.manager.engine.EngineClient;
import dev.shoal.manager.state.ClusterStore;
import dev.shoal.manager.state.ContainerRecord;
import dev.shoal.manager.views.NodeContainers;
import dev.shoal.model.ShoalVersion;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.time.Instant;
import java.nio.charset.StandardCharsets;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/** /_ping, /version, /info and /events, answered for the whole cluster. */
public final class SystemApi {
    public static final String FILTERS = "health, port, containerslots, dependency, affinity, constraint";
    private final Cluster cluster;

    public SystemApi(Cluster cluster) {
        this.cluster = cluster;
    }

    /** {@code docker system df} over every node. */
    public void df(Exchange ex) {
        var results = cluster.fanOut(cluster.dispatcher().healthyNodes(),
                n -> cluster.engines().get(n.record().address(), "/system/df" + ex.queryString()));
        ex.respondJson(200, dev.shoal.manager.api.Merged.systemDf(results));
    }

    public void ping(Exchange ex) {
        ex.respond(200, "text/plain; charset=utf-8",
                ex.method().name().equals("HEAD") ? new byte[0] : "OK".getBytes(StandardCharsets.UTF_8));
    }

    public void version(Exchange ex) {
        ObjectNode v = ClusterStore.JSON.createObjectNode();
        v.putObject("Platform").put("Name", "Shoal " + ShoalVersion.VERSION);
        ArrayNode components = v.putArray("Components");
        ObjectNode c = components.addObject();
        c.put("Name", "Shoal manager");
        c.put("Version", ShoalVersion.VERSION);
        c.putObject("Details").put("ApiVersion", ShoalVersion.API_VERSION)
                .put("MinAPIVersion", ShoalVersion.MIN_API_VERSION).put("Java", Runtime.version().toString());
        v.put("Version", "shoal/" + ShoalVersion.VERSION);
        v.put("ApiVersion", ShoalVersion.API_VERSION);
        v.put("MinAPIVersion", ShoalVersion.MIN_API_VERSION);
        v.put("GitCommit", "");
        v.put("GoVersion", "java" + Runtime.version().feature());
        v.put("Os", "linux");
        v.put("Arch", arch());
        v.put("KernelVersion", System.getProperty("os.version"));
        v.put("BuildTime", "");
        ex.respondJson(200, v);
    }

    private static String arch() {
        String a = System.getProperty("os.arch");
        return a.equals("amd64") || a.equals("x86_64") ? "amd64" : a.equals("aarch64") ? "arm64" : a;
    }

    /**
     * {@code docker info}: the engines' facts from their nodes' heartbeats, the container counters from the container
     * views, the distinct image IDs from each node's image list (fetched again only after the node's image events).
     * A healthy node whose view is not ready is asked as before ({@code /info} and its images).
     */
    public void info(Exchange ex) {
        List<NodeStatus> nodes = cluster.dispatcher().nodes();
        // the totals count what `docker ps -a` and `docker images -a` list now: the nodes answering, and pending
        // containers; Images is the number of distinct image IDs over the nodes (the same image on two nodes is one)
        Map<String, NodeContainers.Counts> counted = new java.util.HashMap<>();
        List<NodeContainers> imagesToFetch = new ArrayList<>();
        Map<String, NodeStatus> withView = new java.util.HashMap<>();
        Set<String> imageIds = new HashSet<>();
        List<NodeStatus> asked = new ArrayList<>();
        for (NodeStatus n : nodes) {
            if (!n.healthy()) {
                continue;
            }
            var view = cluster.views().ready(n.id());
            if (view.isEmpty() || !n.engine().present()) {
                asked.add(n);
                continue;
            }
            counted.put(n.id(), view.get().counts());
            view.get().imageIds().ifPresentOrElse(imageIds::addAll, () -> {
                imagesToFetch.add(view.get());
                withView.put(view.get().nodeId(), n);
            });
        }
        var images = cluster.fanOut(imagesToFetch.stream().map(v -> withView.get(v.nodeId())).toList(), n -> {
            NodeContainers v = cluster.views().ready(n.id()).orElseThrow();
            long asOf = v.imageChanges();
            EngineClient.Reply r = cluster.engines().get(n.record().address(), "/images/json?all=1");
            Set<String> ids = new HashSet<>();
            if (r.ok()) {
                r.json().forEach(i -> ids.add(i.path("Id").asText()));
                v.imageIds(ids, asOf);
            }
            return ids;
        });
        images.stream().filter(r -> r.ok()).forEach(r -> imageIds.addAll(r.value()));
        var fresh = cluster.fanOut(asked,
                n -> new EngineClient.Reply[] {cluster.engines().get(n.record().address(), "/info"),
                        cluster.engines().get(n.record().address(), "/images/json?all=1")});
        Set<String> answered = new HashSet<>(counted.keySet());
        TreeMap<String, EngineInfo> infoByNode = new TreeMap<>();
        for (NodeStatus n : nodes) {
            if (n.engine().present()) {
                infoByNode.put(n.id(), n.engine());
            }
        }
        for (var r : fresh) {
            if (r.ok() && r.value()[0].ok()) {
                EngineInfo info = EngineInfo.of(r.value()[0].json());
                infoByNode.put(r.node().id(), info);
                answered.add(r.node().id());
                counted.put(r.node().id(), new NodeContainers.Counts(info.containers(), info.containersRunning(),
                        info.containersPaused(), info.containersStopped()));
                if (r.value()[1].ok()) {
                    r.value()[1].json().forEach(i -> imageIds.add(i.path("Id").asText()));
                }
            }
        }
        // reservations per node, in one pass over the records
        Map<String, long[]> reserved = new java.util.HashMap<>();
        long pending = 0;
        for (ContainerRecord rec : cluster.containers().all()) {
            if (rec.isPending()) {
                pending++;
            }
            if (rec.nodeId() != null) {
                long[] r = reserved.computeIfAbsent(rec.nodeId(), k -> new long[2]);
                r[0] += rec.memoryBytes();
                r[1] += rec.nanoCpus();
            }
        }
        ObjectNode out = infoByNode.isEmpty() ? ClusterStore.JSON.createObjectNode()
                : infoByNode.firstEntry().getValue().tree();
        int containers = 0, running = 0, paused = 0, stopped = 0, cpus = 0;
        long memory = 0;
        ArrayNode status = ClusterStore.JSON.createArrayNode();
        pair(status, "Role", "primary");
        pair(status, "Strategy", cluster.placer().strategyName());
        pair(status, "Filters", FILTERS);
        pair(status, "Nodes", String.valueOf(nodes.size()));
        for (NodeStatus n : nodes) {
            EngineInfo info = infoByNode.getOrDefault(n.id(), n.engine());
            NodeContainers.Counts counts = counted.getOrDefault(n.id(), new NodeContainers.Counts(
                    info.containers(), info.containersRunning(), info.containersPaused(), info.containersStopped()));
            int c = counts.total(), cr = counts.running(), cp = counts.paused(), cs = counts.stopped();
            if (answered.contains(n.id())) {
                containers += c;
                running += cr;
                paused += cp;
                stopped += cs;
            }
            cpus += info.cpus();
            memory += info.memoryBytes();
            long[] r = reserved.getOrDefault(n.id(), new long[2]);
            long reservedMem = r[0], reservedNanoCpu = r[1];
            pair(status, " " + n.name(), n.record().address());
            pair(status, "  └ ID", n.id());
            pair(status, "  └ Status", n.healthText());
            pair(status, "  └ Containers", c + " (" + cr + " Running, " + cp + " Paused, " + cs + " Stopped)");
            pair(status, "  └ Reserved CPUs", trimNumber(reservedNanoCpu / 1e9) + " / " + info.cpus());
            pair(status, "  └ Reserved Memory", bytes(reservedMem) + " / " + bytes(info.memoryBytes()));
            // the labels placement sees: the node's, and its engine's as the node last reported them (a label an
            // engine was given a moment ago shows here when it starts to count, within the agent's info refresh)
            pair(status, "  └ Labels", labels(n, n.engine().present() ? n.engine() : info));
            pair(status, "  └ UpdatedAt", n.updatedAt() == null ? "never"
                    : DateTimeFormatter.ISO_INSTANT.format(n.updatedAt().truncatedTo(java.time.temporal.ChronoUnit.SECONDS)));
            pair(status, "  └ ServerVersion", info.serverVersion());
            if (n.error() != null && !n.healthy()) {
                pair(status, "  └ Error", n.error());
            }
        }
        // pending containers are listed by `docker ps -a` (never running): counted as stopped
        containers += (int) pending;
        stopped += (int) pending;
        out.put("ID", cluster.id());
        out.put("Containers", containers);
        out.put("ContainersRunning", running);
        out.put("ContainersPaused", paused);
        out.put("ContainersStopped", stopped);
        out.put("Images", imageIds.size());
        out.put("Driver", "");
        out.putNull("DriverStatus");
        out.set("SystemStatus", status);
        out.put("NCPU", cpus);
        out.put("MemTotal", memory);
        out.put("Name", hostname());
        out.put("ServerVersion", "shoal/" + ShoalVersion.VERSION);
        out.put("OperatingSystem", "linux");
        out.put("OSType", "linux");
        out.put("Architecture", System.getProperty("os.arch").equals("amd64") ? "x86_64" : System.getProperty("os.arch"));
        out.put("KernelVersion", System.getProperty("os.version"));
        out.put("DockerRootDir", "");
        out.putArray("Labels");
        out.putArray("Warnings");
        out.put("ExperimentalBuild", false);
        out.put("LiveRestoreEnabled", false);
        ObjectNode swarm = out.putObject("Swarm");
        swarm.put("NodeID", "");
        swarm.put("NodeAddr", "");
        swarm.put("LocalNodeState", "inactive");
        swarm.put("ControlAvailable", false);
        swarm.put("Error", "");
        swarm.putNull("RemoteManagers");
        ex.respondJson(200, out);
    }

    static String labels(NodeStatus n, EngineInfo info) {
        TreeMap<String, String> l = new TreeMap<>();
        l.put("kernelversion", info.kernelVersion());
        l.put("operatingsystem", info.operatingSystem());
        l.put("ostype", info.osType());
        l.put("storagedriver", info.driver());
        for (String s : info.labels()) {
            int eq = s.indexOf('=');
            if (eq > 0) {
                l.put(s.substring(0, eq), s.substring(eq + 1));
            }
        }
        l.putAll(n.record().labels());
        List<String> parts = new ArrayList<>();
        l.forEach((k, v) -> parts.add(k + "=" + v));
        return String.join(", ", parts);
    }

    private static void pair(ArrayNode list, String key, String value) {
        list.addArray().add(key).add(value);
    }

    /** Sizes as "0 B", "20 MiB", "1.9 GiB". */
    public static String bytes(long n) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
        double v = n;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return trimNumber(v) + " " + units[u];
    }

    private static String trimNumber(double v) {
        String s = String.format(Locale.ROOT, "%.1f", v);
        return s.endsWith(".0") ? s.substring(0, s.length() - 2) : s;
    }

    private static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "shoal";
        }
    }

    /**
     * Every healthy node's events, each naming its node. What is already past (a {@code since} not in the
     * future, or an {@code until}) is fetched from every node as a bounded query up to now (or {@code until})
     * and written merged in time order ({@link EventOrder}); what is still to come is then followed from that
     * instant on, each node's events relayed as they arrive. A following stream (no {@code until}) also takes
     * in nodes that become healthy later, and ends when the client leaves.
     */
    public void events(Exchange ex) {
        OptionalLong since, until;
        try {
            since = EventOrder.parseTimestamp(ex.param("since"));
            until = EventOrder.parseTimestamp(ex.param("until"));
        } catch (IllegalArgumentException e) {
            throw new DockerException(400, e.getMessage());
        }
        Instant clock = Instant.now();
        long now = clock.getEpochSecond() * 1_000_000_000L + clock.getNano();
        boolean past = until.isPresent() || since.isPresent() && since.getAsLong() <= now;
        boolean live = until.isEmpty() || until.getAsLong() > now;
        long pastUntil = until.isPresent() ? Math.min(until.getAsLong(), now) : now;
        List<EventOrder.Event> earlier = past
                ? pastEvents(withParam(ex.params(), "until", EventOrder.formatTimestamp(pastUntil)))
                : List.of();
        ResponseStream out = ex.stream(200, "application/json");
        for (EventOrder.Event e : earlier) {
            if (!out.write(e.line())) {
                out.close();
                return;
            }
        }
        if (live) {
            // from just after the merged part: an event at exactly pastUntil was in it
            Map<String, List<String>> params = past
                    ? withParam(ex.params(), "since", EventOrder.formatTimestamp(pastUntil + 1)) : ex.params();
            followEvents(ex, params, until.isEmpty(), out);
        }
        out.close();
    }

    /** Each healthy node's events for a bounded query, merged in time order; a node's refusal is the answer. */
    private List<EventOrder.Event> pastEvents(Map<String, List<String>> params) {
        String path = "/events" + query(params);
        var results = cluster.fanOut(cluster.dispatcher().healthyNodes(),
                n -> cluster.engines().get(n.record().address(), path));
        List<List<EventOrder.Event>> perNode = new ArrayList<>();
        for (var r : results) {
            if (!r.ok()) {
                continue; // unreachable right now: the others still answer, as in the following part
            }
            if (!r.value().ok()) {
                throw r.value().asError();
            }
            List<EventOrder.Event> events = new ArrayList<>();
            for (String line : new String(r.value().body(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                try {
                    JsonNode ev = ClusterStore.JSON.readTree(line);
                    events.add(new EventOrder.Event(EventOrder.nanosOf(ev), withNode(ev, r.node())));
                } catch (IOException | ArithmeticException e) {
                    // not an event: skipped, as the following part skips what it cannot read
                }
            }
            perNode.add(events);
        }
        return EventOrder.merge(perNode);
    }

    /** Relays every healthy node's stream for {@code params}; {@code follow}: until the client leaves. */
    private void followEvents(Exchange ex, Map<String, List<String>> params, boolean follow, ResponseStream out) {
        List<InputStream> open = new ArrayList<>();
        Map<String, Long> streaming = new java.util.concurrent.ConcurrentHashMap<>(); // node ID -> 0, or when it ended
        java.util.concurrent.Semaphore ended = new java.util.concurrent.Semaphore(0);
        ex.onClientGone(() -> {
            synchronized (open) {
                open.forEach(SystemApi::closeQuietly);
            }
            ended.release();
        });
        int running = 0;
        boolean firstPass = true;
        while (!ex.clientGone()) {
            if (follow || firstPass) {
                for (NodeStatus node : cluster.dispatcher().healthyNodes()) {
                    Long endedAt = streaming.get(node.id());
                    if (endedAt != null && endedAt == 0) {
                        continue; // streaming now
                    }
                    // a node whose stream broke (it was down) resumes where it left off, not from the client's since
                    String path = "/events" + query(endedAt == null ? params
                            : withParam(params, "since", Long.toString(endedAt)));
                    streaming.put(node.id(), 0L);
                    running++;
                    Thread.ofVirtual().name("events-" + node.name()).start(() -> {
                        relayEvents(ex, node, path, out, open);
                        streaming.put(node.id(), System.currentTimeMillis() / 1000);
                        ended.release();
                    });
                }
                firstPass = false;
            }
            if (!follow && running == 0) {
                break;
            }
            try {
                if (ended.tryAcquire(1, TimeUnit.SECONDS) && !ex.clientGone()) {
                    running--;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
    }

    /** {@code params} with {@code key} set to {@code value} alone. */
    private static Map<String, List<String>> withParam(Map<String, List<String>> params, String key, String value) {
        Map<String, List<String>> copy = new java.util.LinkedHashMap<>(params);
        copy.put(key, List.of(value));
        return copy;
    }

    /** "?" and the encoded parameters, or "" when there are none. */
    private static String query(Map<String, List<String>> params) {
        io.netty.handler.codec.http.QueryStringEncoder q = new io.netty.handler.codec.http.QueryStringEncoder("");
        params.forEach((k, vs) -> vs.forEach(v -> q.addParam(k, v)));
        return q.toString();
    }

    private void relayEvents(Exchange ex, NodeStatus node, String path, ResponseStream out, List<InputStream> open) {
        try {
            var res = cluster.engines().stream(node.record().address(), path);
            synchronized (open) {
                open.add(res.body());
            }
            if (ex.clientGone()) {
                closeQuietly(res.body());
            }
            try (var reader = new BufferedReader(new InputStreamReader(res.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    if (line.isBlank()) {
                        continue;
                    }
                    byte[] event = withNode(line, node);
                    synchronized (out) {
                        if (!out.write(event)) {
                            break;
                        }
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            // the node's stream ended: the others go on
        }
    }

    private static byte[] withNode(String line, NodeStatus node) throws IOException {
        return withNode(ClusterStore.JSON.readTree(line), node);
    }

    private static byte[] withNode(JsonNode ev, NodeStatus node) throws IOException {
        if (ev instanceof ObjectNode o) {
            ObjectNode n = o.putObject("node");
            n.put("Name", node.name());
            n.put("Id", node.id());
            n.put("Addr", node.record().address());
            n.put("Ip", node.record().ip());
            if (o.path("Actor") instanceof ObjectNode actor) {
                ObjectNode attrs = actor.has("Attributes") && actor.get("Attributes").isObject()
                        ? (ObjectNode) actor.get("Attributes") : actor.putObject("Attributes");
                attrs.put("node.name", node.name());
            }
        }
        return (ClusterStore.JSON.writeValueAsString(ev) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // closing a stream the client no longer reads
        }
    }
}
