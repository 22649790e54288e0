package dev.shoal.node.testing;

import com.sun.net.httpserver.HttpServer;
import dev.shoal.node.engine.EngineAddress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/** A Docker engine stand-in on a TCP port: answers /_ping, /info and /version with canned JSON. */
public final class FakeEngine implements AutoCloseable {
    public static final String INFO = """
            {"ID":"CLONED-ENGINE-ID","Name":"cloned-image-host","Containers":3,"NCPU":4,"MemTotal":8589934592,\
            "Labels":["engine=label"]}""";
    public static final String VERSION = """
            {"Version":"28.0.0","ApiVersion":"1.48","MinAPIVersion":"1.24","Os":"linux","Arch":"amd64"}""";

    private final HttpServer server;
    public final AtomicInteger infoReads = new AtomicInteger();
    public final AtomicInteger versionReads = new AtomicInteger();

    public FakeEngine() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            String body = switch (path) {
                case "/_ping" -> "OK";
                case "/info" -> {
                    infoReads.incrementAndGet();
                    yield INFO;
                }
                case "/version" -> {
                    versionReads.incrementAndGet();
                    yield VERSION;
                }
                default -> null;
            };
            byte[] bytes = (body == null ? "{\"message\":\"page not found\"}" : body).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", path.equals("/_ping") ? "text/plain" : "application/json");
            exchange.sendResponseHeaders(body == null ? 404 : 200, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        server.start();
    }

    public EngineAddress address() {
        return EngineAddress.parse("tcp://127.0.0.1:" + server.getAddress().getPort());
    }

    @Override public void close() {
        server.stop(0);
    }
}
