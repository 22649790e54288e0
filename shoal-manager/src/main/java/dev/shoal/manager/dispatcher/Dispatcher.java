package dev.shoal.manager.dispatcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.shoal.manager.ca.ClusterSecurity;
import dev.shoal.node.tls.ClusterTls;
import dev.shoal.node.tls.Enrollment;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import dev.shoal.manager.state.ClusterStore;
import dev.shoal.manager.state.NodeRecord;
import dev.shoal.manager.state.Txn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
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
    private static final Pattern NODE_NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");
    static final Pattern NODE_ID = Pattern.compile("[a-z0-9]{8,64}");

    private record Report(JsonNode info, JsonNode version, String error, long atNanos, Instant at) { }

    private final ClusterStore store;
    private final ClusterSecurity security;
    private final Map<String, Report> reports = new ConcurrentHashMap<>();
    /** When each node address last sent a heartbeat (System.nanoTime): a cheap look-up for {@link #beating}. */
    private final Map<String, Long> lastBeatByAddress = new ConcurrentHashMap<>();
    private HttpServer server;

    /**
     * @param security the cluster CA: the port serves HTTPS, issues node certificates and takes heartbeats only
     *                 with a node's certificate; null serves plain HTTP (--insecure-cluster)
     */
    public Dispatcher(ClusterStore store, ClusterSecurity security) {
        this.store = store;
        this.security = security;
    }

    public void listen(InetSocketAddress address) throws IOException {
        if (security == null) {
            server = HttpServer.create(address, 128);
        } else {
            HttpsServer https = HttpsServer.create(address, 128);
            https.setHttpsConfigurator(new ClientCertificateWanted(security.manager().sslContext()));
            https.createContext(Enrollment.PATH, new CertificateIssuer(security));
            server = https;
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/shoal/v1/heartbeat", this::onHeartbeat);
        server.start();
    }

    /** TLS 1.3; asks every client for a certificate but lets enrolling nodes, which have none yet, in. */
    private static final class ClientCertificateWanted extends HttpsConfigurator {
        ClientCertificateWanted(SSLContext context) {
            super(context);
        }

        @Override
        public void configure(HttpsParameters params) {
            SSLParameters ssl = getSSLContext().getDefaultSSLParameters();
            ssl.setProtocols(new String[] {ClusterTls.PROTOCOL});
            ssl.setWantClientAuth(true);
            params.setSSLParameters(ssl);
        }
    }

    public int port() {
        return server.getAddress().getPort();
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

    /** All known nodes with their health, ordered by name. */
    public List<NodeStatus> nodes() {
        long now = System.nanoTime();
        return store.readAll(NodeRecord.PREFIX, NodeRecord.class).stream()
                .map(r -> status(r, reports.get(r.id()), now))
                .sorted(Comparator.comparing(NodeStatus::name))
                .toList();
    }

    public List<NodeStatus> healthyNodes() {
        return nodes().stream().filter(NodeStatus::healthy).toList();
    }

    public Optional<NodeStatus> node(String id) {
        return store.read(NodeRecord.PREFIX + id, NodeRecord.class)
                .map(r -> status(r, reports.get(r.id()), System.nanoTime()));
    }

    public Optional<NodeStatus> nodeByName(String name) {
        return nodes().stream().filter(n -> n.name().equals(name)).findFirst();
    }

    private static NodeStatus status(NodeRecord record, Report report, long now) {
        if (report == null) {
            return new NodeStatus(record, NodeStatus.Health.PENDING, null, null, "no heartbeat yet", null);
        }
        boolean fresh = now - report.atNanos() < DEAD_AFTER.toNanos();
        NodeStatus.Health health = fresh && report.error() == null ? NodeStatus.Health.HEALTHY
                : NodeStatus.Health.UNHEALTHY;
        String error = !fresh ? "no heartbeat since " + report.at() : report.error();
        return new NodeStatus(record, health, report.info(), report.version(), error, report.at());
    }

    private void onHeartbeat(HttpExchange ex) throws IOException {
        try (ex) {
            if (!ex.getRequestMethod().equals("POST")) {
                reply(ex, 405, error("use POST"));
                return;
            }
            JsonNode hb;
            try (InputStream in = ex.getRequestBody()) {
                byte[] body = in.readNBytes(MAX_BODY + 1);
                if (body.length > MAX_BODY) {
                    reply(ex, 413, error("heartbeat body too large"));
                    return;
                }
                hb = ClusterStore.JSON.readTree(body);
            } catch (IOException e) {
                reply(ex, 400, error("malformed heartbeat JSON: " + e.getMessage()));
                return;
            }
            String refusal = security == null ? null : NodeCertificates.refusal(ex, security, hb.path("nodeId").asText(""));
            if (refusal != null) {
                reply(ex, Integer.parseInt(refusal.substring(0, 3)), error(refusal.substring(4)));
                return;
            }
            String answer = heartbeat(hb);
            if (answer != null) {
                reply(ex, answer.startsWith("409") ? 409 : 400, error(answer.substring(4)));
                return;
            }
            ObjectNode ok = ClusterStore.JSON.createObjectNode();
            ok.put("nodeId", hb.path("nodeId").asText());
            ok.put("heartbeatMillis", HEARTBEAT.toMillis());
            reply(ex, 200, ok);
        } catch (RuntimeException e) {
            log.warn("heartbeat failed: {}", e.toString());
            reply(ex, 500, error("heartbeat failed: " + e.getMessage()));
        }
    }

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
        Optional<NodeRecord> sameName = store.readAll(NodeRecord.PREFIX, NodeRecord.class).stream()
                .filter(r -> r.name().equals(name) && !r.id().equals(id)).findFirst();
        if (sameName.isPresent()) {
            return "409 node name " + name + " is already used by node " + sameName.get().id();
        }
        Optional<NodeRecord> known = store.read(NodeRecord.PREFIX + id, NodeRecord.class);
        if (known.isEmpty() || !known.get().name().equals(name) || !known.get().address().equals(address)
                || !known.get().labels().equals(labels)) {
            long joined = known.map(NodeRecord::joinedAtMillis).orElse(System.currentTimeMillis());
            NodeRecord record = new NodeRecord(id, name, address, labels, joined);
            store.commit(Txn.builder().put(record.key(), ClusterStore.toJson(record)).build());
            log.info("node {} ({}) {} at {}", name, id, known.isEmpty() ? "joined" : "updated", address);
        }
        String engineError = hb.hasNonNull("engineError") ? hb.get("engineError").asText() : null;
        Report previous = reports.get(id);
        JsonNode info = hb.hasNonNull("engineInfo") ? hb.get("engineInfo") : previous == null ? null : previous.info();
        JsonNode version = hb.hasNonNull("engineVersion") ? hb.get("engineVersion")
                : previous == null ? null : previous.version();
        if (engineError != null) {
            info = null;
        }
        long now = System.nanoTime();
        reports.put(id, new Report(info, version, engineError, now, Instant.now()));
        lastBeatByAddress.put(address, now);
        return null;
    }

    static ObjectNode error(String message) {
        return ClusterStore.JSON.createObjectNode().put("message", message);
    }

    static void reply(HttpExchange ex, int status, JsonNode body) throws IOException {
        byte[] bytes = ClusterStore.JSON.writeValueAsString(body).getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        if (server != null) {
            server.stop(0);
        }
    }
}
