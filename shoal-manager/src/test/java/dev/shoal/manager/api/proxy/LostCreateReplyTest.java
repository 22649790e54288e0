package dev.shoal.manager.api.proxy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A create whose answer never reaches the manager (the engine makes the container, then its connection drops):
 * the manager looks the container up by its swarm ID label before the record changes, so there is exactly one
 * container and the manager knows it. The engine is a stand-in that speaks the few calls this path makes.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class LostCreateReplyTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path dir;

    @Test
    void aLostCreateAnswerLeavesExactlyOneContainerKnownToTheManager() throws Exception {
        try (StandInEngine engine = new StandInEngine(); OneNodeCluster cluster = new OneNodeCluster(dir, engine.port())) {
            String answer = call(cluster, "POST", "/v1.41/containers/create?name=web", "{\"Image\":\"busybox\"}");
            assertThat(engine.containers).hasSize(1);
            String engineId = engine.containers.keySet().iterator().next();
            assertThat(answer).startsWith("HTTP/1.1 201").contains("\"Id\":\"" + engineId + "\"");
            assertThat(engine.creates).hasValue(1);

            // the manager knows it: its name is taken, and it is found by name
            assertThat(call(cluster, "POST", "/v1.41/containers/create?name=web", "{\"Image\":\"busybox\"}"))
                    .startsWith("HTTP/1.1 409");
            assertThat(call(cluster, "GET", "/v1.41/containers/web/json", null))
                    .startsWith("HTTP/1.1 200").contains(engineId);
            assertThat(engine.containers).hasSize(1);
        }
    }

    @Test
    void aLostCreateAnswerForAContainerNeverMadeFreesTheName() throws Exception {
        try (StandInEngine engine = new StandInEngine(); OneNodeCluster cluster = new OneNodeCluster(dir, engine.port())) {
            engine.makeNothing = true;
            String answer = call(cluster, "POST", "/v1.41/containers/create?name=web", "{\"Image\":\"busybox\"}");
            assertThat(answer).doesNotStartWith("HTTP/1.1 201");
            assertThat(engine.containers).isEmpty();
            engine.makeNothing = false;
            engine.loseAnswers = false;
            assertThat(call(cluster, "POST", "/v1.41/containers/create?name=web", "{\"Image\":\"busybox\"}"))
                    .startsWith("HTTP/1.1 201");
            assertThat(engine.containers).hasSize(1);
        }
    }

    /** One request on a new connection to the manager's socket; the whole answer as text. */
    private static String call(OneNodeCluster cluster, String method, String path, String body) throws IOException {
        try (SocketChannel ch = cluster.connect()) {
            byte[] b = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            String head = method + " " + path + " HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n"
                    + (body == null ? "" : "Content-Type: application/json\r\nContent-Length: " + b.length + "\r\n")
                    + "\r\n";
            ch.write(ByteBuffer.wrap(head.getBytes(StandardCharsets.US_ASCII)));
            ch.write(ByteBuffer.wrap(b));
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteBuffer buf = ByteBuffer.allocate(8192);
            while (ch.read(buf) >= 0) {
                out.write(buf.array(), 0, buf.position());
                buf.clear();
            }
            return out.toString(StandardCharsets.UTF_8);
        }
    }

    /** An engine stand-in: info, image lookup, create (whose answer it loses), list by label, inspect. */
    static final class StandInEngine implements AutoCloseable {
        final Map<String, JsonNode> containers = new ConcurrentHashMap<>();
        final java.util.concurrent.atomic.AtomicInteger creates = new java.util.concurrent.atomic.AtomicInteger();
        volatile boolean loseAnswers = true;
        volatile boolean makeNothing;
        private final HttpServer server;

        StandInEngine() throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
            server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
            server.createContext("/", this::handle);
            server.start();
        }

        int port() {
            return server.getAddress().getPort();
        }

        private void handle(HttpExchange ex) throws IOException {
            String path = ex.getRequestURI().getPath().replaceFirst("^/v1\\.\\d+", "");
            String query = ex.getRequestURI().getRawQuery();
            byte[] body = ex.getRequestBody().readAllBytes();
            switch (ex.getRequestMethod() + " " + path) {
                case "GET /_ping" -> reply(ex, 200, "OK");
                case "GET /version" -> reply(ex, 200, "{\"ApiVersion\":\"1.41\",\"Version\":\"20.10.24\",\"Os\":\"linux\"}");
                case "GET /info" -> reply(ex, 200, "{\"ID\":\"standin\",\"Name\":\"standin\",\"NCPU\":2,"
                        + "\"MemTotal\":4294967296,\"Containers\":" + containers.size() + ",\"Driver\":\"overlay2\","
                        + "\"KernelVersion\":\"6\",\"OperatingSystem\":\"test\",\"OSType\":\"linux\",\"Labels\":[]}");
                case "GET /images/busybox/json" -> reply(ex, 200, "{\"Id\":\"sha256:" + "b".repeat(64)
                        + "\",\"RepoTags\":[\"busybox:latest\"]}");
                case "POST /containers/create" -> {
                    creates.incrementAndGet();
                    if (!makeNothing) {
                        byte[] id = new byte[32];
                        new java.security.SecureRandom().nextBytes(id);
                        ObjectNode c = JSON.createObjectNode().put("Id", HexFormat.of().formatHex(id));
                        c.set("Labels", JSON.readTree(body).path("Labels"));
                        containers.put(c.get("Id").asText(), c);
                        if (!loseAnswers) {
                            reply(ex, 201, "{\"Id\":\"" + c.get("Id").asText() + "\",\"Warnings\":[]}");
                            return;
                        }
                    }
                    if (!loseAnswers) {
                        reply(ex, 500, "{\"message\":\"no\"}");
                        return;
                    }
                    // the connection drops before any answer
                    ex.close();
                }
                case "GET /containers/json" -> {
                    String filters = query == null ? "" : URLDecoder.decode(query, StandardCharsets.UTF_8);
                    ArrayNode list = JSON.createArrayNode();
                    for (JsonNode c : containers.values()) {
                        String label = "com.docker.swarm.id=" + c.path("Labels").path("com.docker.swarm.id").asText();
                        if (!filters.contains("com.docker.swarm.id=") || filters.contains(label)) {
                            list.add(c);
                        }
                    }
                    reply(ex, 200, list.toString());
                }
                default -> {
                    if (ex.getRequestMethod().equals("GET") && path.startsWith("/containers/") && path.endsWith("/json")) {
                        String ref = path.substring("/containers/".length(), path.length() - "/json".length());
                        JsonNode c = containers.get(ref);
                        if (c != null) {
                            reply(ex, 200, JSON.createObjectNode().put("Id", ref).put("Name", "/web")
                                    .set("Config", JSON.createObjectNode().set("Labels", c.path("Labels"))).toString());
                            return;
                        }
                    }
                    reply(ex, 404, "{\"message\":\"not here\"}");
                }
            }
        }

        private static void reply(HttpExchange ex, int status, String text) throws IOException {
            byte[] b = text.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", text.startsWith("{") || text.startsWith("[")
                    ? "application/json" : "text/plain");
            ex.sendResponseHeaders(status, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }
}
