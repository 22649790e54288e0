package dev.shoal.manager.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.shoal.manager.ca.ClusterSecurity;
import dev.shoal.manager.ca.NodePeerTrust;
import dev.shoal.manager.errors.DockerException;
import dev.shoal.manager.testing.EngineClients;
import dev.shoal.node.tls.ClusterTls;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The manager's engine client against a node stand-in that serves mutual TLS with a certificate from a real cluster
 * CA, as an agent does: connections are kept and shared, bounded per node, and the node's certificate must be the one
 * of the node registered at the address dialled.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EngineClientTest {
    private static final String NODE_ID = "aaaaaaaaaaaaaaaa";

    @TempDir Path dir;
    private ClusterSecurity security;
    private final Map<String, String> registered = new ConcurrentHashMap<>();
    private final List<Node> nodes = new ArrayList<>();

    @BeforeEach
    void cluster() throws IOException {
        security = ClusterSecurity.loadOrCreate(dir.resolve("manager"), new InetSocketAddress("127.0.0.1", 0));
    }

    @AfterEach
    void stop() {
        nodes.forEach(n -> n.server.stop(0));
        security.close();
    }

    @Test void sequentialCallsShareOneConnection() throws Exception {
        Node node = node(NODE_ID, ex -> answer(ex, 200, "{\"ID\":\"ENGINE-1\"}"));
        EngineClient client = client();

        for (int i = 0; i < 20; i++) {
            EngineClient.Reply info = client.get(node.address(), "/info");
            assertThat(info.status()).isEqualTo(200);
            assertThat(info.json().path("ID").asText()).isEqualTo("ENGINE-1");
        }
        assertThat(client.post(node.address(), "/containers/create", "{}".getBytes()).status()).isEqualTo(200);
        assertThat(client.delete(node.address(), "/containers/x").status()).isEqualTo(200);
        assertThat(node.connections()).as("one TLS connection for 22 calls").hasSize(1);
        assertThat(node.requests.get()).isEqualTo(22);
    }

    @Test void concurrentCallsToOneNodeAreBoundedAndThenShareTheConnections() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger inFlight = new AtomicInteger();
        AtomicInteger most = new AtomicInteger();
        Node node = node(NODE_ID, ex -> {
            most.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            inFlight.decrementAndGet();
            answer(ex, 200, "{}");
        });
        EngineClient client = client();
        int calls = NodePool.MAX_CONNECTIONS * 3;
        try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Integer>> replies = new ArrayList<>();
            for (int i = 0; i < calls; i++) {
                replies.add(callers.submit(() -> client.get(node.address(), "/containers/json").status()));
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> inFlight.get() == NodePool.MAX_CONNECTIONS);
            assertThat(client.openConnections(node.address())).isEqualTo(NodePool.MAX_CONNECTIONS);
            release.countDown();
            for (Future<Integer> r : replies) {
                assertThat(r.get()).isEqualTo(200);
            }
        }
        assertThat(most.get()).isEqualTo(NodePool.MAX_CONNECTIONS);
        assertThat(node.connections()).as("waiting calls took the connections freed").hasSize(NodePool.MAX_CONNECTIONS);
        assertThat(node.requests.get()).isEqualTo(calls);
    }

    @Test void aCallToANodeThatStopsBeatingIsGivenUp() throws Exception {
        CountDownLatch asked = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        Node node = node(NODE_ID, ex -> {
            asked.countDown();
            awaitQuietly(never);
        });
        EngineClient client = client();
        AtomicBoolean beating = new AtomicBoolean(true);
        client.giveUpWhen(address -> beating.get());
        try (ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<EngineClient.Reply> call = callers.submit(() -> client.get(node.address(), "/containers/x/json"));
            asked.await();
            beating.set(false);
            assertThatThrownBy(call::get).cause().isInstanceOf(DockerException.class)
                    .hasMessageContaining("stopped sending heartbeats");
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> client.openConnections(node.address()) == 0);
        never.countDown();
    }

    @Test void interruptingTheCallerAbandonsTheCallAndItsConnection() throws Exception {
        CountDownLatch asked = new CountDownLatch(1);
        CountDownLatch never = new CountDownLatch(1);
        Node node = node(NODE_ID, ex -> {
            asked.countDown();
            awaitQuietly(never);
        });
        EngineClient client = client();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        AtomicBoolean stillInterrupted = new AtomicBoolean();
        Thread caller = Thread.ofVirtual().start(() -> {
            try {
                client.get(node.address(), "/containers/x/json");
            } catch (RuntimeException e) {
                failed.set(e);
                stillInterrupted.set(Thread.currentThread().isInterrupted());
            }
        });
        asked.await();
        caller.interrupt();
        caller.join();
        assertThat(failed.get()).isInstanceOf(DockerException.class).hasMessageContaining("interrupted");
        assertThat(((DockerException) failed.get()).status()).isEqualTo(503);
        assertThat(stillInterrupted).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> client.openConnections(node.address()) == 0);
        never.countDown();
    }

    @Test void aNodeShowingAnotherNodesCertificateIsRefused() throws Exception {
        Node impostor = node("bbbbbbbbbbbbbbbb", ex -> answer(ex, 200, "{}"));
        registered.put(impostor.address(), NODE_ID); // the address is registered to node aaaa…
        assertThatThrownBy(() -> client().get(impostor.address(), "/info")).isInstanceOf(DockerException.class)
                .hasMessageContaining("did not answer");
        assertThat(impostor.requests.get()).as("nothing was sent").isZero();

        // a certificate of the registered node, but for another host, is refused by the hostname check
        Node elsewhere = node(NODE_ID, List.of("10.0.0.9"), ex -> answer(ex, 200, "{}"));
        assertThatThrownBy(() -> client().get(elsewhere.address(), "/info")).isInstanceOf(DockerException.class);
        assertThat(elsewhere.requests.get()).isZero();

        // the same client reaches the node registered at an address
        Node real = node(NODE_ID, ex -> answer(ex, 200, "{}"));
        assertThat(client().get(real.address(), "/info").status()).isEqualTo(200);
    }

    @Test void anOversizeReplyFailsClearlyAndTheNextCallWorks() throws Exception {
        String big = "x".repeat(5000);
        Node node = node(NODE_ID, ex -> {
            String path = ex.getRequestURI().getPath();
            if (path.endsWith("/declared")) {
                answer(ex, 200, big);
            } else if (path.endsWith("/chunked")) {
                ex.sendResponseHeaders(200, 0);
                try (OutputStream out = ex.getResponseBody()) {
                    for (int i = 0; i < 5; i++) {
                        out.write(big.getBytes(StandardCharsets.US_ASCII), 0, 1000);
                        out.flush();
                    }
                }
            } else {
                answer(ex, 200, "{}");
            }
        });
        EngineClient client = new EngineClient(EngineClients.loops(), NioSocketChannel.class, tls(), 4096);
        for (String path : List.of("/declared", "/chunked")) {
            assertThatThrownBy(() -> client.get(node.address(), path)).isInstanceOf(DockerException.class)
                    .hasMessageContaining("answered too much").hasMessageContaining("4096")
                    .satisfies(e -> assertThat(((DockerException) e).status()).isEqualTo(502));
        }
        assertThat(client.get(node.address(), "/small").status()).isEqualTo(200);
    }

    @Test void postFileStreamsTheFileWithItsLength() throws Exception {
        Path archive = dir.resolve("image.tar");
        byte[] content = new byte[3 * 1024 * 1024 + 17];
        new Random(7).nextBytes(content);
        Files.write(archive, content);
        AtomicReference<String> length = new AtomicReference<>();
        Node node = node(NODE_ID, ex -> {
            length.set(ex.getRequestHeaders().getFirst("Content-Length"));
            String type = ex.getRequestHeaders().getFirst("Content-Type");
            try (InputStream in = ex.getRequestBody()) {
                answer(ex, 200, "{\"sha\":\"" + sha256(in.readAllBytes()) + "\",\"type\":\"" + type + "\"}");
            }
        });
        EngineClient client = client();

        EngineClient.Reply r = client.postFile(node.address(), "/images/load", archive, "application/x-tar");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.json().path("sha").asText()).isEqualTo(sha256(content));
        assertThat(r.json().path("type").asText()).isEqualTo("application/x-tar");
        assertThat(length.get()).isEqualTo(String.valueOf(content.length));
        assertThat(client.get(node.address(), "/info").status()).as("the connection is kept after it").isEqualTo(200);
        assertThat(node.connections()).hasSize(1);

        assertThatThrownBy(() -> client.postFile(node.address(), "/images/load", dir.resolve("none.tar"), "x"))
                .isInstanceOf(DockerException.class).satisfies(e -> assertThat(((DockerException) e).status())
                        .isEqualTo(500));
    }

    @Test void aRenewedCertificateIsPresentedOnNewConnections() throws Exception {
        Node node = node(NODE_ID, ex -> answer(ex, 200, "{}"));
        EngineClient client = client();
        assertThat(client.get(node.address(), "/info").status()).isEqualTo(200);
        ClusterTls renewed = security.renewManagerNow();
        client.useTls(EngineClients.tlsOf(renewed, trust()));
        Node other = node(NODE_ID, ex -> answer(ex, 200, "{}"));
        assertThat(client.get(other.address(), "/info").status()).isEqualTo(200);
        assertThat(other.clientSerials).containsExactly(renewed.serial());
        assertThat(node.clientSerials).doesNotContain(renewed.serial());
    }

    private EngineClient client() {
        return new EngineClient(EngineClients.loops(), NioSocketChannel.class, tls());
    }

    private EngineClient.Tls tls() {
        return EngineClients.tlsOf(security.manager(), trust());
    }

    private NodePeerTrust trust() {
        return new NodePeerTrust(security.manager().trustOnlyCa(),
                (host, port) -> Optional.ofNullable(registered.get(host + ":" + port)));
    }

    private Node node(String id, Handler handler) throws IOException {
        return node(id, List.of("127.0.0.1"), handler);
    }

    /** A node's agent stand-in on loopback, presenting a certificate for {@code hosts}, registered as {@code id}. */
    private Node node(String id, List<String> hosts, Handler handler) throws IOException {
        ClusterTls cert = security.ca().issue(id, hosts);
        Node node = new Node(HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0));
        node.server.setHttpsConfigurator(new HttpsConfigurator(cert.sslContext()) {
            @Override
            public void configure(HttpsParameters params) {
                params.setNeedClientAuth(true); // the agent serves the manager alone
            }
        });
        node.server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        node.server.createContext("/", ex -> {
            node.requests.incrementAndGet();
            node.remotes.add(ex.getRemoteAddress().getPort());
            try {
                var session = ((com.sun.net.httpserver.HttpsExchange) ex).getSSLSession();
                node.clientSerials.add(((java.security.cert.X509Certificate) session.getPeerCertificates()[0])
                        .getSerialNumber().toString(16));
            } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
                throw new IOException(e);
            }
            handler.handle(ex);
            ex.close();
        });
        node.server.start();
        registered.putIfAbsent(node.address(), id);
        nodes.add(node);
        return node;
    }

    @FunctionalInterface
    private interface Handler {
        void handle(HttpExchange ex) throws IOException;
    }

    private record Node(HttpsServer server, AtomicInteger requests, Set<Integer> remotes, Set<String> clientSerials) {
        Node(HttpsServer server) {
            this(server, new AtomicInteger(), ConcurrentHashMap.newKeySet(), ConcurrentHashMap.newKeySet());
        }

        String address() {
            return "127.0.0.1:" + server.getAddress().getPort();
        }

        /** The client ports seen: one per connection. */
        Set<Integer> connections() {
            return remotes;
        }
    }

    private static void answer(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
