package dev.shoal.manager.dispatcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.manager.ca.ClusterSecurity;
import dev.shoal.manager.state.ClusterStore;
import dev.shoal.node.HostPort;
import dev.shoal.node.HttpReportSink;
import dev.shoal.node.report.Heartbeat;
import dev.shoal.node.report.ManagerRejectedException;
import dev.shoal.node.tls.ClusterTls;
import dev.shoal.node.tls.Enrollment;
import dev.shoal.node.tls.JoinToken;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The cluster port in-process on 127.0.0.1: certificate issuance, CA pinning and client-certificate heartbeats. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DispatcherTlsTest {
    private static final String NODE_ID = "abcdef0123456789";
    private static final HostPort ADVERTISE = new HostPort("127.0.0.1", 4243);

    @TempDir Path dir;
    private ClusterStore store;
    private ClusterSecurity security;
    private Dispatcher dispatcher;
    private HostPort manager;

    @BeforeEach
    void start() throws Exception {
        store = ClusterStore.open(dir.resolve("raft"), "127.0.0.1", freePort());
        InetSocketAddress listen = new InetSocketAddress("127.0.0.1", 0);
        security = ClusterSecurity.loadOrCreate(dir.resolve("manager"), listen);
        dispatcher = new Dispatcher(store, security);
        dispatcher.listen(listen);
        manager = new HostPort("127.0.0.1", dispatcher.port());
    }

    @AfterEach
    void stop() throws IOException {
        dispatcher.close();
        store.close();
    }

    @Test
    void aNodeWithTheTokenGetsACertificateAndItsHeartbeatsAreAccepted() throws Exception {
        ClusterTls node = Enrollment.enroll(manager, security.token(), NODE_ID, ADVERTISE);

        assertThat(ClusterTls.commonName(node.cert())).isEqualTo(NODE_ID);
        assertThat(node.ca()).isEqualTo(security.ca().certificate());
        node.cert().verify(security.ca().certificate().getPublicKey());

        new HttpReportSink(manager, node.sslContext()).send(heartbeat(NODE_ID));
        assertThat(dispatcher.node(NODE_ID)).isPresent();
    }

    @Test
    void heartbeatsOneAfterAnotherOnOneKeptAliveConnectionAreAllAccepted() throws Exception {
        ClusterTls node = Enrollment.enroll(manager, security.token(), NODE_ID, ADVERTISE);
        HttpReportSink sink = new HttpReportSink(manager, node.sslContext());
        for (int i = 0; i < 5; i++) {
            sink.send(heartbeat(NODE_ID));
        }
        assertThat(dispatcher.node(NODE_ID)).isPresent();
    }

    @Test
    void aNodeStartedBeforeTheManagerListensGetsItsCertificateOnceItDoes() throws Exception {
        int port = freePort();
        InetSocketAddress later = new InetSocketAddress("127.0.0.1", port);
        var enrolled = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return Enrollment.enrollWhenReachable(new HostPort("127.0.0.1", port), security.token(), NODE_ID, ADVERTISE);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        assertThat(enrolled).isNotDone();
        Dispatcher second = new Dispatcher(store, security);
        second.listen(later);
        try {
            assertThat(ClusterTls.commonName(enrolled.get(30, TimeUnit.SECONDS).cert())).isEqualTo(NODE_ID);
        } finally {
            second.close();
        }
    }

    @Test
    void aWrongSecretGets401AndNoCertificate() throws Exception {
        JoinToken wrong = new JoinToken(security.token().caDigest(), "x".repeat(32));
        assertThatThrownBy(() -> Enrollment.enroll(manager, wrong, NODE_ID, ADVERTISE))
                .hasMessageContaining("401").hasMessageContaining("invalid join token")
                .hasMessageNotContaining(security.token().secret());

        HttpResponse<String> raw = HttpClient.newBuilder().sslContext(trustingAnything()).build().send(
                HttpRequest.newBuilder(URI.create("https://" + manager + Enrollment.PATH))
                        .POST(HttpRequest.BodyPublishers.ofString("{\"token\":\"SHOAL-1-nope\",\"csr\":\"x\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(raw.statusCode()).isEqualTo(401);
        assertThat(raw.body()).isEqualTo("{\"message\":\"invalid join token\"}").doesNotContain("certificate\"");
    }

    @Test
    void theAgentRefusesAManagerWhoseCaDoesNotMatchTheTokenDigest() throws Exception {
        ClusterSecurity other = ClusterSecurity.loadOrCreate(dir.resolve("other"), new InetSocketAddress("127.0.0.1", 0));
        JoinToken pinnedToOther = new JoinToken(other.token().caDigest(), security.token().secret());
        assertThatThrownBy(() -> Enrollment.enroll(manager, pinnedToOther, NODE_ID, ADVERTISE))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("does not match the join token");
    }

    @Test
    void aHeartbeatWithoutAClientCertificateGets401() throws Exception {
        SSLContext noClientCert = SSLContext.getInstance(ClusterTls.PROTOCOL);
        noClientCert.init(null, new TrustManager[] {security.manager().trustOnlyCa()}, null);
        assertThatThrownBy(() -> new HttpReportSink(manager, noClientCert).send(heartbeat(NODE_ID)))
                .isInstanceOfSatisfying(ManagerRejectedException.class, e -> {
                    assertThat(e.status()).isEqualTo(401);
                    assertThat(e.getMessage()).isEqualTo("client certificate required");
                });
        assertThat(dispatcher.node(NODE_ID)).isEmpty();
    }

    @Test
    void aHeartbeatWithAnotherNodesCertificateGets403() throws Exception {
        ClusterTls node = Enrollment.enroll(manager, security.token(), "ffffffff00000000", ADVERTISE);
        assertThatThrownBy(() -> new HttpReportSink(manager, node.sslContext()).send(heartbeat(NODE_ID)))
                .isInstanceOfSatisfying(ManagerRejectedException.class, e -> assertThat(e.status()).isEqualTo(403));
        assertThat(dispatcher.node(NODE_ID)).isEmpty();
    }

    @Test
    void aHeartbeatWithACertificateFromAnotherCaIsRefused() throws Exception {
        ClusterSecurity other = ClusterSecurity.loadOrCreate(dir.resolve("other"), new InetSocketAddress("127.0.0.1", 0));
        ClusterTls foreign = other.ca().issue(NODE_ID, List.of("127.0.0.1"));
        SSLContext context = new ClusterTls(foreign.key(), foreign.cert(), foreign.ca())
                .sslContext(security.manager().trustOnlyCa());
        try {
            new HttpReportSink(manager, context).send(heartbeat(NODE_ID));
            throw new AssertionError("a foreign certificate was accepted");
        } catch (ManagerRejectedException e) {
            assertThat(e.status()).isIn(401, 403);
        } catch (IOException handshakeRefused) {
            // refused during the TLS handshake: as good
        }
        assertThat(dispatcher.node(NODE_ID)).isEmpty();
    }

    @Test
    void reEnrollingAnExistingNodeIdIsRefusedAndItsRecordStaysAsItWas() throws Exception {
        ClusterTls node = Enrollment.enroll(manager, security.token(), NODE_ID, ADVERTISE);
        new HttpReportSink(manager, node.sslContext()).send(heartbeat(NODE_ID));
        assertThatThrownBy(() -> Enrollment.enroll(manager, security.token(), NODE_ID, new HostPort("127.0.0.2", 4243)))
                .hasMessageContaining("409").hasMessageContaining("already in the cluster");
        assertThat(dispatcher.node(NODE_ID).orElseThrow().record().address()).isEqualTo(ADVERTISE.toString());
        // an ID given a certificate but not heartbeating yet is taken too
        Enrollment.enroll(manager, security.token(), "0123456789abcdef", ADVERTISE);
        assertThatThrownBy(() -> Enrollment.enroll(manager, security.token(), "0123456789abcdef", ADVERTISE))
                .hasMessageContaining("409");
    }

    @Test
    void aHeartbeatFromAnAddressItsCertificateDoesNotNameIsRefused() throws Exception {
        ClusterTls node = Enrollment.enroll(manager, security.token(), NODE_ID, ADVERTISE);
        Heartbeat elsewhere = new Heartbeat(NODE_ID, "node1", "10.9.9.9:4243", Map.of(), null, null, null);
        assertThatThrownBy(() -> new HttpReportSink(manager, node.sslContext()).send(elsewhere))
                .isInstanceOfSatisfying(ManagerRejectedException.class, e -> {
                    assertThat(e.status()).isEqualTo(403);
                    assertThat(e.getMessage()).contains("10.9.9.9:4243").contains("127.0.0.1");
                });
        assertThat(dispatcher.node(NODE_ID)).isEmpty();
        // the address it enrolled for, on another port, is its own
        new HttpReportSink(manager, node.sslContext()).send(
                new Heartbeat(NODE_ID, "node1", "127.0.0.1:5555", Map.of(), null, null, null));
        assertThat(dispatcher.node(NODE_ID).orElseThrow().record().address()).isEqualTo("127.0.0.1:5555");
    }

    @Test
    void aSecondNodeCannotTakeANameInUse() throws Exception {
        ClusterTls first = Enrollment.enroll(manager, security.token(), NODE_ID, ADVERTISE);
        ClusterTls second = Enrollment.enroll(manager, security.token(), "ffffffff00000000", ADVERTISE);
        new HttpReportSink(manager, first.sslContext()).send(heartbeat(NODE_ID));
        assertThatThrownBy(() -> new HttpReportSink(manager, second.sslContext()).send(heartbeat("ffffffff00000000")))
                .isInstanceOfSatisfying(ManagerRejectedException.class, e -> assertThat(e.status()).isEqualTo(409));
        assertThat(dispatcher.nodeByName("node1").orElseThrow().id()).isEqualTo(NODE_ID);
        // renamed, the first frees its old name for the second
        new HttpReportSink(manager, first.sslContext()).send(
                new Heartbeat(NODE_ID, "renamed", ADVERTISE.toString(), Map.of(), null, null, null));
        new HttpReportSink(manager, second.sslContext()).send(heartbeat("ffffffff00000000"));
        assertThat(dispatcher.nodeByName("node1").orElseThrow().id()).isEqualTo("ffffffff00000000");
    }

    @Test
    void claimsBeyondSaneBoundsAreRefused() throws Exception {
        ClusterTls node = Enrollment.enroll(manager, security.token(), NODE_ID, ADVERTISE);
        var json = new com.fasterxml.jackson.databind.ObjectMapper();
        for (String info : List.of("{\"NCPU\": 1000000, \"MemTotal\": 1073741824}",
                "{\"NCPU\": 4, \"MemTotal\": 9223372036854775807}", "{\"NCPU\": -1}")) {
            Heartbeat hb = new Heartbeat(NODE_ID, "node1", ADVERTISE.toString(), Map.of(), json.readTree(info), null, null);
            assertThatThrownBy(() -> new HttpReportSink(manager, node.sslContext()).send(hb))
                    .as(info).isInstanceOfSatisfying(ManagerRejectedException.class,
                            e -> assertThat(e.status()).isEqualTo(400));
        }
        Map<String, String> many = new java.util.HashMap<>();
        for (int i = 0; i < 300; i++) {
            many.put("l" + i, "v");
        }
        assertThatThrownBy(() -> new HttpReportSink(manager, node.sslContext()).send(
                new Heartbeat(NODE_ID, "node1", ADVERTISE.toString(), many, null, null, null)))
                .isInstanceOfSatisfying(ManagerRejectedException.class, e -> assertThat(e.status()).isEqualTo(400));
        assertThat(dispatcher.node(NODE_ID)).isEmpty();
    }

    @Test
    void onlyEcP256KeysAreSigned() throws Exception {
        var rsa = java.security.KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        var keys = rsa.generateKeyPair();
        var csr = new org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder(
                new org.bouncycastle.asn1.x500.X500Name("CN=" + NODE_ID), keys.getPublic())
                .build(new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA256withRSA").build(keys.getPrivate()));
        assertThatThrownBy(() -> security.ca().signCsr(csr, NODE_ID, List.of("127.0.0.1")))
                .hasMessageContaining("EC P-256");
        var ec = java.security.KeyPairGenerator.getInstance("EC");
        ec.initialize(new java.security.spec.ECGenParameterSpec("secp384r1"));
        var p384 = ec.generateKeyPair();
        var csr384 = new org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder(
                new org.bouncycastle.asn1.x500.X500Name("CN=" + NODE_ID), p384.getPublic())
                .build(new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA384withECDSA").build(p384.getPrivate()));
        assertThatThrownBy(() -> security.ca().signCsr(csr384, NODE_ID, List.of("127.0.0.1")))
                .hasMessageContaining("EC P-256");
    }

    private static Heartbeat heartbeat(String nodeId) {
        return new Heartbeat(nodeId, "node1", ADVERTISE.toString(), Map.of(), null, null, null);
    }

    private static SSLContext trustingAnything() throws Exception {
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, new TrustManager[] {new javax.net.ssl.X509TrustManager() {
            @Override public void checkClientTrusted(java.security.cert.X509Certificate[] c, String a) { }
            @Override public void checkServerTrusted(java.security.cert.X509Certificate[] c, String a) { }
            @Override public java.security.cert.X509Certificate[] getAcceptedIssuers() {
                return new java.security.cert.X509Certificate[0];
            }
        }}, null);
        return context;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
