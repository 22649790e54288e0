package dev.shoal.node;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.shoal.node.report.Heartbeat;
import dev.shoal.node.report.HeartbeatReply;
import dev.shoal.node.report.ManagerRejectedException;
import dev.shoal.node.report.ReportSink;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import javax.net.ssl.SSLContext;

/**
 * Posts heartbeats to the manager at {@code https://MANAGER/shoal/v1/heartbeat} with the node's client
 * certificate (or {@code http://} with --insecure-cluster).
 */
public final class HttpReportSink implements ReportSink {
    public static final String PATH = "/shoal/v1/heartbeat";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(3);

    private final URI uri;
    private volatile HttpClient http;

    /** Plain HTTP: only with --insecure-cluster. */
    public HttpReportSink(HostPort manager) {
        this(manager, null);
    }

    /** HTTPS with {@code tls} (the node's certificate, trusting only the cluster CA); null for plain HTTP. */
    public HttpReportSink(HostPort manager, SSLContext tls) {
        this.uri = URI.create((tls == null ? "http://" : "https://") + manager + PATH);
        this.http = client(tls);
    }

    private static HttpClient client(SSLContext tls) {
        HttpClient.Builder builder = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(CONNECT_TIMEOUT);
        if (tls != null) {
            builder.sslContext(tls);
        }
        return builder.build();
    }

    /**
     * Sends the heartbeats from now on over new connections with {@code tls} (a renewed certificate): the kept-alive
     * connection of the old context would go on presenting the old certificate until it expires. A heartbeat in
     * flight finishes on the old one.
     */
    public void useTls(SSLContext tls) {
        if (!uri.getScheme().equals("https")) {
            throw new IllegalStateException("a plain-HTTP sink takes no TLS context");
        }
        HttpClient old = http;
        http = client(tls);
        old.shutdown();
    }

    @Override public HeartbeatReply send(Heartbeat hb) throws IOException {
        HttpRequest request = HttpRequest.newBuilder(uri)
                .timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(hb.toJson())))
                .build();
        HttpResponse<byte[]> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (IOException e) {
            throw new IOException(uri + ": " + describe(e), e);
        }
        if (response.statusCode() == 200) {
            return HeartbeatReply.fromJson(JSON.readTree(response.body()));
        }
        throw new ManagerRejectedException(response.statusCode(), messageOf(response.body()));
    }

    /** HttpClient's exceptions often carry no message of their own; their cause does. */
    private static String describe(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && !t.getMessage().isBlank()) {
                return t.getMessage();
            }
        }
        return e instanceof java.net.ConnectException ? "cannot connect" : e.getClass().getSimpleName();
    }

    private static String messageOf(byte[] body) {
        try {
            JsonNode message = JSON.readTree(body).path("message");
            if (message.isTextual()) {
                return message.asText();
            }
        } catch (IOException | RuntimeException ignored) {
            // not JSON: show the text
        }
        String text = new String(body, StandardCharsets.UTF_8).strip();
        return text.length() > 200 ? text.substring(0, 200) + "…" : text;
    }
}
