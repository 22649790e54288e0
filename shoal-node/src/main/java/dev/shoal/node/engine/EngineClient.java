package dev.shoal.node.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.transport.DockerHttpClient;
import com.github.dockerjava.zerodep.ZerodepDockerHttpClient;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Read-only calls to one Docker engine, local ({@code unix://}) or remote ({@code tcp://}), as raw JSON.
 * It never creates, starts, stops or removes anything.
 */
public final class EngineClient implements Closeable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final EngineAddress address;
    private final DockerHttpClient http;

    public EngineClient(EngineAddress address) {
        this(address, Duration.ofSeconds(2), Duration.ofSeconds(5));
    }

    public EngineClient(EngineAddress address, Duration connectTimeout, Duration responseTimeout) {
        this.address = address;
        DefaultDockerClientConfig config = DefaultDockerClientConfig.createDefaultConfigBuilder()
                .withDockerHost(address.toString())
                .withDockerTlsVerify(false)
                .build();
        this.http = new ZerodepDockerHttpClient.Builder()
                .dockerHost(config.getDockerHost())
                .sslConfig(config.getSSLConfig())
                .maxConnections(4)
                .connectionTimeout(connectTimeout)
                .responseTimeout(responseTimeout)
                .build();
    }

    public EngineAddress address() {
        return address;
    }

    /** {@code GET /_ping}: true when the engine answers "OK". */
    public boolean ping() throws IOException {
        return "OK".equals(new String(get("/_ping"), StandardCharsets.UTF_8).strip());
    }

    /** {@code GET /info}, raw. */
    public JsonNode info() throws IOException {
        return getJson("/info");
    }

    /** {@code GET /version}, raw. */
    public JsonNode version() throws IOException {
        return getJson("/version");
    }

    public JsonNode getJson(String path) throws IOException {
        return JSON.readTree(get(path));
    }

    private byte[] get(String path) throws IOException {
        DockerHttpClient.Request request = DockerHttpClient.Request.builder()
                .method(DockerHttpClient.Request.Method.GET)
                .path(path)
                .build();
        try (DockerHttpClient.Response response = http.execute(request);
             InputStream body = response.getBody()) {
            byte[] bytes = body.readAllBytes();
            if (response.getStatusCode() != 200) {
                throw new IOException("engine " + address + " answered HTTP " + response.getStatusCode()
                        + " to GET " + path + ": " + new String(bytes, StandardCharsets.UTF_8).strip());
            }
            return bytes;
        } catch (RuntimeException e) {
            throw new IOException("cannot reach engine " + address + ": " + rootMessage(e), e);
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
    }

    @Override public void close() throws IOException {
        http.close();
    }
}
