package dev.shoal.manager.dispatcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.manager.ca.ClusterSecurity;
import dev.shoal.node.tls.ClusterTls;
import dev.shoal.node.tls.Enrollment;
import javax.net.ssl.SSLContext;
import dev.shoal.manager.state.ClusterStore;
import dev.shoal.manager.state.NodeRecord;
import dev.shoal.manager.state.Txn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Node sessions: takes agents' heartbeats on the cluster port, registers nodes in the state, and tells which
 * nodes are healthy. A node is healthy while heartbeats arrive within {@link #DEAD_AFTER} and its engine
 * answers the agent.
 */
public final class Dispatcher implements Closeable {
    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);
    public static final Duration HEARTBEAT = Duration.ofSeconds(2);
    public static final Duration DEAD_AFTER = HEARTBEAT.multipliedBy(3);
    /** No heartbeat for this long: calls in flight to the node are given up (see {@link #beating}). */
    public static final Duration SILENT_AFTER = Duration.ofSeconds(12);
    private static final int MAX_BODY = 4 << 20;
    private static final String HEARTBEAT_PATH = "/shoal/v1/heartbeat";
    private static final Pattern NODE_NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");
    static final Pattern NODE_ID = Pattern.compile("[a-z0-9]{8,64}");

    /** A node's latest heartbeat: its engine's facts (the last reported while the engine answers), or its error. */
    record Report(EngineInfo engine, String error, long atNanos, Instant at) { }

    private final ClusterStore store;
    private final NodeRecords records;
    private final ClusterSecurity security;
    private final Map<String, Report> reports = new ConcurrentHashMap<>();
    /** When each node address last sent a heartbeat (System.nanoTime): a cheap look-up for {@link #beating}. */
    private final Map<String, Long> lastBeatByAddress = new ConcurrentHashMap<>();
    private ClusterPort server;
    /** What the cluster port presents (replaced on renewal); null for plain HTTP. */
    private volatile dev.shoal.node.tls.RenewableKeyManager keys;

    /**
     * @param security the cluster CA: the port serves HTTPS, issues node certificates and takes heartbeats only
     *                 with a node's certificate; null serves plain HTTP (--insecure-cluster)
     */
    private final List<Runnable> factsListeners = new java.util.concurrent.CopyOnWriteArrayList<>();

    public Dispatcher(ClusterStore store, ClusterSecurity security) {
        this.store = store;
        this.records = new NodeRecords(store);
        this.security = security;
    }

    public void listen(InetSocketAddress address) throws IOException {
        SSLContext tls = null;
        Map<String, ClusterPort.Handler> routes = new HashMap<>();
        routes.put(HEARTBEAT_PATH, this::onHeartbeat);
        if (security != null) {
            // the port takes no new context once started: a renewed certificate goes into its key manager
            keys = new dev.shoal.node.tls.RenewableKeyManager(security.manager());
            tls = ClusterTls.sslContext(keys, security.manager().trustOnlyCa());
            routes.put(Enrollment.PATH, new CertificateIssuer(security, store)::handle);
            routes.put(dev.shoal.node.tls.CertificateRenewal.PATH, new CertificateRenewer(security, store)::handle);
        }
        try {
            server = new ClusterPort(address, tls, routes, MAX_BODY, Map.of(HEARTBEAT_PATH, "heartbeat body too large"));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while binding " + address);
        } catch (RuntimeException e) {
            throw new IOException("cannot listen on " + address + ": " + e.getMessage(), e);
        }
    }

    public int port() {
        return server.port();
    }

    /**
     * Whether the node at {@code address} has sent a heartbeat within {@link #SILENT_AFTER}: longer than the time
     * that marks it unhealthy, since a busy engine slows heartbeats (the agent reads the engine's info in each one)
     * and a call to it should not be given up for that. Calls to a node that fell silent are abandoned.
     */
    public boolean beating(String address) {
        Long last = lastBeatByAddress.get(address);
        return last != null && System.nanoTime() - last < SILENT_AFTER.toNanos();
    }

    /** The ID of the node registered at {@code host:port}: the identity its certificate must carry. */
    public Optional<String> nodeIdAt(String host, int port) {
        String address = host + ":" + port;
        for (NodeRecord r : records.all()) {
            if (r.address().equals(address)) {
                return Optional.of(r.id());
            }
        }
        return Optional.empty();
    }

    /** All known nodes with their health, ordered by name. */
    public List<NodeStatus> nodes() {
        long now = System.nanoTime();
        return records.all().stream()
                .map(r -> status(r, reports.get(r.id()), now))
                .sorted(Comparator.comparing(NodeStatus::name))
                .toList();
    }

    public List<NodeStatus> healthyNodes() {
        return nodes().stream().filter(NodeStatus::healthy).toList();
    }

    public Optional<NodeStatus> node(String id) {
        return records.get(id)
                .map(r -> status(r, reports.get(r.id()), System.nanoTime()));
    }

    public Optional<NodeStatus> nodeByName(String name) {
        return nodes().stream().filter(n -> n.name().equals(name)).findFirst();
    }

    private static NodeStatus status(NodeRecord record, Report report, long now) {
        if (report == null) {
            return new NodeStatus(record, NodeStatus.Health.PENDING, EngineInfo.NONE, "no heartbeat yet", null);
        }
        boolean fresh = now - report.atNanos() < DEAD_AFTER.toNanos();
        NodeStatus.Health health = fresh && report.error() == null ? NodeStatus.Health.HEALTHY
                : NodeStatus.Health.UNHEALTHY;
        String error = !fresh ? "no heartbeat since " + report.at() : report.error();
        return new NodeStatus(record, health, report.engine(), error, report.at());
    }

    private ClusterReply onHeartbeat(ClusterRequest request) {
        try {
            if (!request.method().equals("POST")) {
                return ClusterReply.error(405, "use POST");
            }
            // who is calling is settled before a byte of what it says is read
            java.security.cert.X509Certificate leaf = null;
            if (security != null) {
                NodeCertificates.Leaf checked = NodeCertificates.leaf(request, security, store);
                if (checked.refusal() != null) {
                    return ClusterReply.refusal(checked.refusal());
                }
                leaf = checked.cert();
            }
            JsonNode hb;
            try {
                hb = ClusterStore.JSON.readTree(request.body());
            } catch (IOException e) {
                return ClusterReply.error(400, "malformed heartbeat JSON: " + e.getMessage());
            }
            if (hb == null || !hb.isObject()) {
                return ClusterReply.error(400, "malformed heartbeat: want a JSON object");
            }
            String refusal = leaf == null ? null
                    : NodeCertificates.claimRefusal(leaf, hb.path("nodeId").asText(""), hb.path("address").asText(""));
            if (refusal != null) {
                return ClusterReply.refusal(refusal);
            }
            String answer = heartbeat(hb);
            if (answer != null) {
                return ClusterReply.refusal(answer);
            }
            ObjectNode ok = ClusterStore.JSON.createObjectNode();
            ok.put("nodeId", hb.path("nodeId").asText());
            ok.put("heartbeatMillis", HEARTBEAT.toMillis());
            return new ClusterReply(200, ok);
        } catch (RuntimeException e) {
            log.warn("heartbeat failed: {}", e.toString());
            return ClusterReply.error(500, "heartbeat failed: " + e.getMessage());
        }
    }

    /**
     * New connections to the cluster port present {@code tls} (the manager's renewed certificate) from now on;
     * connections already open finish on the certificate they started with.
     */
    public void useTls(ClusterTls tls) {
        var k = keys;
        if (k != null) {
            k.use(tls);
        }
    }

    /** What {@link #removeNode} did. */
    public sealed interface Removal {
        record Removed(NodeRecord node, List<String> revokedSerials) implements Removal { }
        record NotFound() implements Removal { }
        record Conflict(String message) implements Removal { }
    }

    /**
     * Removes node {@code id} from the cluster in one transaction: its record and name go, it is marked removed
     * (its heartbeats are refused from then on) and every certificate serial issued to it and not yet expired is
     * recorded as revoked (its heartbeats, renewals and connections are refused). Its ID cannot enroll again
     * (IDs are never re-issued). Whether it still has containers is the caller's business.
     */
    public Removal removeNode(String id) {
        Optional<String> json = store.get(NodeRecord.PREFIX + id);
        if (json.isEmpty()) {
            return new Removal.NotFound();
        }
        NodeRecord record = ClusterStore.fromJson(json.get(), NodeRecord.class);
        long now = System.currentTimeMillis();
        String marker = ClusterStore.JSON.createObjectNode().put("nodeId", id).put("name", record.name())
                .put("removedAtMillis", now).toString();
        Txn.Builder txn = Txn.builder()
                .requireValue(record.key(), json.get())
                .delete(record.key())
                .put(Revocations.removedKey(id), marker);
        if (store.get(NodeRecord.nameKey(record.name())).filter(id::equals).isPresent()) {
            txn.requireValue(NodeRecord.nameKey(record.name()), id).delete(NodeRecord.nameKey(record.name()));
        }
        List<String> serials = List.of();
        String issuedKey = CertificateIssuer.ISSUED_PREFIX + id;
        Optional<String> issuedJson = store.get(issuedKey);
        if (issuedJson.isPresent()) {
            ObjectNode issued = Revocations.parse(issuedJson.get());
            serials = Revocations.serials(issued);
            issued.put("removed", true);
            issued.put("removedAtMillis", now);
            txn.requireValue(issuedKey, issuedJson.get()).put(issuedKey, issued.toString());
            for (String serial : serials) {
                txn.put(Revocations.revokedKey(serial), ClusterStore.JSON.createObjectNode().put("nodeId", id)
                        .put("revokedAtMillis", now).toString());
            }
        }
        Optional<String> conflict = store.commit(txn.build());
        if (conflict.isPresent()) {
            return new Removal.Conflict("node " + id + " changed while it was removed; try again");
        }
        reports.remove(id);
        lastBeatByAddress.remove(record.address());
        log.info("node {} ({}) removed from the cluster; revoked certificate serials {}", record.name(), id, serials);
        return new Removal.Removed(record, serials);
    }

    /**
     * A request body of at most {@code max} bytes read as JSON, or the 413 (too large) or 400 (not JSON) to answer.
     */
    static JsonOrReply readJson(ClusterRequest request, int max) {
        if (request.bodyOver(max)) {
            return new JsonOrReply(null, ClusterReply.error(413, "request too large"));
        }
        try {
            return new JsonOrReply(ClusterStore.JSON.readTree(request.body()), null);
        } catch (IOException e) {
            return new JsonOrReply(null, ClusterReply.error(400, "malformed JSON"));
        }
    }

    /** A request's JSON, or the reply that refuses it. */
    record JsonOrReply(JsonNode json, ClusterReply refusal) { }

    /** Applies one heartbeat; returns null when accepted, else "STATUS message". */
    String heartbeat(JsonNode hb) {
        String id = hb.path("nodeId").asText("");
        String name = hb.path("name").asText("");
        String address = hb.path("address").asText("");
        if (!NODE_ID.matcher(id).matches()) {
            return "400 invalid node ID";
        }
        if (!NODE_NAME.matcher(name).matches()) {
            return "400 invalid node name \"" + name + "\"";
        }
        if (!address.matches("[^\\s:]+:\\d{1,5}")) {
            return "400 invalid node address \"" + address + "\", want HOST:PORT";
        }
        Map<String, String> labels = new HashMap<>();
        hb.path("labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
        String outOfBounds = NodeClaims.outOfBounds(name, labels, hb.path("engineInfo"));
        if (outOfBounds != null) {
            return "400 " + outOfBounds;
        }
        if (Revocations.removed(store, id)) {
            return "403 node " + id + " was removed from the cluster; join again under a new node ID";
        }
        Optional<String> known = store.get(NodeRecord.PREFIX + id);
        NodeRecord before = known.map(json -> ClusterStore.fromJson(json, NodeRecord.class)).orElse(null);
        if (before == null || !before.name().equals(name) || !before.address().equals(address)
                || !before.labels().equals(labels) || store.get(NodeRecord.nameKey(name)).isEmpty()) {
            long joined = before == null ? System.currentTimeMillis() : before.joinedAtMillis();
            NodeRecord record = new NodeRecord(id, name, address, labels, joined);
            // the name is unique by a precondition in the same transaction, never by a read before it
            Txn.Builder txn = Txn.builder().requireAbsent(Revocations.removedKey(id));
            if (before == null) {
                txn.requireAbsent(record.key());
            } else {
                txn.requireValue(record.key(), known.get());
            }
            Optional<String> holder = store.get(NodeRecord.nameKey(name));
            if (holder.isPresent() && !holder.get().equals(id)) {
                return "409 node name " + name + " is already used by node " + holder.get();
            }
            if (holder.isPresent()) {
                txn.requireValue(NodeRecord.nameKey(name), id);
            } else {
                txn.requireAbsent(NodeRecord.nameKey(name)).put(NodeRecord.nameKey(name), id);
            }
            if (before != null && !before.name().equals(name)
                    && store.get(NodeRecord.nameKey(before.name())).filter(id::equals).isPresent()) {
                txn.delete(NodeRecord.nameKey(before.name()));
            }
            Optional<String> conflict = store.commit(txn.put(record.key(), ClusterStore.toJson(record)).build());
            if (conflict.isPresent()) {
                return conflict.get().startsWith(NodeRecord.NAME_PREFIX)
                        ? "409 node name " + name + " is already used by another node"
                        : "409 node " + id + " changed meanwhile; the next heartbeat tries again";
            }
            log.info("node {} ({}) {} at {}", name, id, before == null ? "joined" : "updated", address);
        }
        String engineError = hb.hasNonNull("engineError") ? hb.get("engineError").asText() : null;
        Report previous = reports.get(id);
        // a heartbeat without the engine's facts keeps the last ones; the engine's version is not kept (nothing reads it)
        EngineInfo engine = engineError != null ? EngineInfo.NONE
                : hb.hasNonNull("engineInfo") ? EngineInfo.adopt(hb.get("engineInfo"))
                : previous == null ? EngineInfo.NONE : previous.engine();
        long now = System.nanoTime();
        Report next = new Report(engine, engineError, now, Instant.now());
        reports.put(id, next);
        lastBeatByAddress.put(address, now);
        if (schedulingFactsChanged(previous, next, now)) {
            factsListeners.forEach(Runnable::run);
        }
        return null;
    }

    /**
     * Whether a heartbeat changes what the scheduler knows of the node: its health (first report, back after
     * silence, an engine error appearing or clearing) or its engine's capacity, facts or labels (not the counters
     * that change every beat).
     */
    static boolean schedulingFactsChanged(Report previous, Report next, long now) {
        if (previous == null || now - previous.atNanos() >= DEAD_AFTER.toNanos()
                || (previous.error() == null) != (next.error() == null)) {
            return true;
        }
        return !previous.engine().sameSchedulingFacts(next.engine());
    }

    /**
     * Called (on the heartbeat's thread) when a heartbeat changes what the scheduler knows of a node; the scheduler's
     * kept snapshot is rebuilt on its next decision.
     */
    public void onFactsChanged(Runnable listener) {
        factsListeners.add(listener);
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
    }
}
