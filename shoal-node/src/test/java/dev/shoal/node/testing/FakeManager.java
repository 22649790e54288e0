package dev.shoal.node.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.shoal.node.HostPort;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A manager stand-in: records heartbeats and answers with a settable status and body. */
public final class FakeManager implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final BlockingQueue<JsonNode> heartbeats = new LinkedBlockingQueue<>();
    private volatile int status = 200;
    private volatile String body = "{\"nodeId\":\"assigned\",\"heartbeatMillis\":100}";

    public FakeManager() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/shoal/v1/heartbeat", exchange -> {
            try (exchange) {
                if (!exchange.getRequestMethod().equals("POST")) {
                    exchange.sendResponseHeaders(405, -1);
                    return;
                }
                heartbeats.add(JSON.readTree(exchange.getRequestBody()));
                byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().set("Content-Type", "application/json");
                exchange.sendResponseHeaders(status, bytes.length);
                exchange.getResponseBody().write(bytes);
            }
        });
        server.start();
    }

    public HostPort address() {
        return new HostPort("127.0.0.1", server.getAddress().getPort());
    }

    public void answer(int newStatus, String newBody) {
        body = newBody;
        status = newStatus;
    }

    /** The next heartbeat received, waiting at most {@code timeout}; fails the test if none comes. */
    public JsonNode nextHeartbeat(Duration timeout) throws InterruptedException {
        JsonNode hb = heartbeats.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (hb == null) {
            throw new AssertionError("no heartbeat within " + timeout);
        }
        return hb;
    }

    public int received() {
        return heartbeats.size();
    }

    @Override public void close() {
        server.stop(0);
    }
}
