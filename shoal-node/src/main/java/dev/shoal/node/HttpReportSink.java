package dev.shoal.node;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shoal.node.report.Heartbeat;
import dev.shoal.node.report.HeartbeatReply;
import dev.shoal.node.report.ManagerRejectedException;
import dev.shoal.node.report.ReportSink;
import dev.shoal.node.net.ManagerClient;
import dev.shoal.node.tls.ClusterTls;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContext;
import java.io.Closeable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import javax.net.ssl.SSLContext;

/**
 * Posts heartbeats to the manager at {@code https://MANAGER/shoal/v1/heartbeat} with the node's client
 * certificate (or {@code http://} with --insecure-cluster), on one kept connection ({@link ManagerClient}).
 */
public final class HttpReportSink implements ReportSink, Closeable {
    public static final String PATH = "/shoal/v1/heartbeat";
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(3);

    private final String uri;
    private final ManagerClient client;

    /** Plain HTTP: only with --insecure-cluster. */
    public HttpReportSink(HostPort manager) {
        this(manager, (SslContext) null);
    }

    /** HTTPS with the node's certificate, trusting only the manager (BoringSSL where it loads): the agent's. */
    public HttpReportSink(HostPort manager, ClusterTls tls) {
        this(manager, tls.managerClientContext());
    }

    /**
     * HTTPS with a JDK context (whatever it presents and trusts), on the JDK's TLS engine: for tests and tools; null
     * for plain HTTP.
     */
    public HttpReportSink(HostPort manager, SSLContext tls) {
        this(manager, tls == null ? null : new JdkSslContext(tls, true, ClientAuth.NONE));
    }

    private HttpReportSink(HostPort manager, SslContext tls) {
        this.uri = (tls == null ? "http://" : "https://") + manager + PATH;
        this.client = new ManagerClient(manager, tls, CONNECT_TIMEOUT);
    }

    /**
     * Sends the heartbeats from now on over a new connection presenting {@code renewed}: the kept connection would go
     * on presenting the old certificate until it expires. A heartbeat in flight finishes on the old one.
     */
    public void useTls(ClusterTls renewed) {
        client.useTls(renewed.managerClientContext());
    }

    @Override public HeartbeatReply send(Heartbeat hb) throws IOException {
        ManagerClient.Answer answer;
        try {
            answer = client.post(PATH, Json.write(hb.toJson()), REQUEST_TIMEOUT);
        } catch (IOException e) {
            throw new IOException(uri + ": " + e.getMessage(), e);
        }
        if (answer.status() == 200) {
            return HeartbeatReply.fromJson(Json.read(answer.body()));
        }
        throw new ManagerRejectedException(answer.status(), messageOf(answer.body()));
    }

    /** Closes the kept connection. */
    @Override public void close() {
        client.close();
    }

    private static String messageOf(byte[] body) {
        try {
            JsonNode message = Json.read(body).path("message");
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
