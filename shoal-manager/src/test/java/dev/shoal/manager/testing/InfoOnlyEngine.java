package dev.shoal.manager.testing;

import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * An engine stand-in for tests of the cluster's TLS and node life cycle: it answers {@code /_ping},
 * {@code /version} and {@code /info} (what an agent reports and a manager reads), and 404 to anything else.
 */
public final class InfoOnlyEngine {
    private InfoOnlyEngine() { }

    public static HttpServer start() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", ex -> {
            String path = ex.getRequestURI().getPath();
            String body = path.endsWith("/_ping") ? "OK"
                    : path.endsWith("/version") ? "{\"ApiVersion\":\"1.41\",\"Version\":\"20.10.0\"}"
                    : path.endsWith("/info") ? "{\"ID\":\"ENGINE-1\",\"Name\":\"host1\",\"NCPU\":1,\"MemTotal\":1000000}"
                    : null;
            byte[] bytes = (body == null ? "{\"message\":\"not here\"}" : body).getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(body == null ? 404 : 200, bytes.length);
            ex.getResponseBody().write(bytes);
            ex.close();
        });
        server.start();
        return server;
    }

    /** A TCP port free at the time of asking. */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
