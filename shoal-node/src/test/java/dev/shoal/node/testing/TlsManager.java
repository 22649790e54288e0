package dev.shoal.node.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.shoal.node.HostPort;
import dev.shoal.node.tls.ClusterTls;
import dev.shoal.node.tls.Pem;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import javax.net.ssl.SSLParameters;

/**
 * A manager stand-in over HTTPS (the JDK's server, as the real dispatcher): presents {@code identity}, wants a client
 * certificate from the CA, answers heartbeats, signs renewal and enrolment CSRs with the test CA, and records who
 * asked from which connection.
 */
public final class TlsManager implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One request as the server saw it: the client's port (one per connection) and its certificate, if any. */
    public record Seen(String path, int clientPort, X509Certificate clientCert, JsonNode body) {
    }

    private final HttpsServer server;
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private volatile CountDownLatch holdAnswers = new CountDownLatch(0);

    public TlsManager(TestCa ca, ClusterTls identity, int port) {
        try {
            server = HttpsServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setHttpsConfigurator(new HttpsConfigurator(identity.sslContext()) {
            @Override
            public void configure(HttpsParameters params) {
                SSLParameters p = getSSLContext().getDefaultSSLParameters();
                p.setWantClientAuth(true);
                params.setSSLParameters(p);
            }
        });
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/shoal/v1/heartbeat", exchange -> handle(exchange, body ->
                "{\"nodeId\":\"" + body.path("nodeId").asText() + "\",\"heartbeatMillis\":100}"));
        server.createContext("/shoal/v1/certificates/renew", exchange -> handle(exchange, body ->
                JSON.createObjectNode().put("certificate", Pem.encode(ca.sign(Pem.csr(body.path("csr").asText()))))
                        .toString()));
        server.createContext("/shoal/v1/certificates", exchange -> handle(exchange, body ->
                JSON.createObjectNode().put("certificate", Pem.encode(ca.sign(Pem.csr(body.path("csr").asText()))))
                        .put("ca", Pem.encode(ca.certificate())).toString()));
        server.start();
    }

    private interface Answer {
        String to(JsonNode body) throws IOException;
    }

    private void handle(HttpExchange exchange, Answer answer) throws IOException {
        try (exchange) {
            JsonNode body = JSON.readTree(exchange.getRequestBody());
            X509Certificate client = null;
            try {
                client = (X509Certificate) ((HttpsExchange) exchange).getSSLSession().getPeerCertificates()[0];
            } catch (javax.net.ssl.SSLPeerUnverifiedException none) {
                // enrolment comes without a certificate
            }
            seen.add(new Seen(exchange.getRequestURI().getPath(), exchange.getRemoteAddress().getPort(), client, body));
            holdAnswers.await();
            byte[] bytes = answer.to(body).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Requests are recorded but not answered until {@link #answerAgain()}. */
    public void holdAnswers() {
        holdAnswers = new CountDownLatch(1);
    }

    public void answerAgain() {
        holdAnswers.countDown();
    }

    public HostPort address() {
        return new HostPort("127.0.0.1", server.getAddress().getPort());
    }

    public List<Seen> seen() {
        return List.copyOf(seen);
    }

    @Override
    public void close() {
        answerAgain();
        server.stop(0);
    }
}
