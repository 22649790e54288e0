package dev.shoal.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.node.report.Heartbeat;
import dev.shoal.node.testing.TestCa;
import dev.shoal.node.testing.TlsManager;
import dev.shoal.node.tls.ClusterTls;
import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Heartbeats to a manager over HTTPS on Netty: one kept connection, the node's certificate, deadlines, renewal. */
class HttpReportSinkTest {
    private final TestCa ca = new TestCa("cluster-ca");
    private final ClusterTls managerIdentity = ca.issue(ClusterTls.MANAGER_CN);
    private final ClusterTls node = ca.issue("node-1");

    private static Heartbeat beat() {
        return new Heartbeat("node-1", "n1", "127.0.0.1:4243", Map.of(), null, null, "no engine here");
    }

    @Test
    void heartbeatsShareOneConnectionAndPresentTheNodesCertificate() throws Exception {
        try (TlsManager manager = new TlsManager(ca, managerIdentity, 0);
             HttpReportSink sink = new HttpReportSink(manager.address(), node)) {
            for (int i = 0; i < 3; i++) {
                assertThat(sink.send(beat()).heartbeatMillis()).isEqualTo(100);
            }
            assertThat(manager.seen()).hasSize(3)
                    .allSatisfy(seen -> assertThat(seen.clientCert()).isEqualTo(node.cert()))
                    .extracting(TlsManager.Seen::clientPort).containsOnly(manager.seen().getFirst().clientPort());
        }
    }

    @Test
    void aRenewedCertificateIsPresentedOnANewConnection() throws Exception {
        ClusterTls renewed = ca.issue("node-1");
        try (TlsManager manager = new TlsManager(ca, managerIdentity, 0);
             HttpReportSink sink = new HttpReportSink(manager.address(), node)) {
            sink.send(beat());
            sink.useTls(renewed);
            sink.send(beat());
            var seen = manager.seen();
            assertThat(seen.get(1).clientCert()).isEqualTo(renewed.cert());
            assertThat(seen.get(1).clientPort()).isNotEqualTo(seen.get(0).clientPort());
        }
    }

    @Test
    void aManagerRestartedBetweenBeatsIsReachedOnANewConnection() throws Exception {
        HostPort address;
        try (TlsManager first = new TlsManager(ca, managerIdentity, 0);
             HttpReportSink sink = new HttpReportSink(first.address(), node)) {
            address = first.address();
            sink.send(beat());
            first.close(); // the kept connection ends with it
            try (TlsManager second = new TlsManager(ca, managerIdentity, address.port())) {
                assertThat(sink.send(beat()).heartbeatMillis()).isEqualTo(100);
                assertThat(second.seen()).hasSize(1);
            }
        }
    }

    @Test
    void aManagerThatDoesNotAnswerFailsTheBeatAndTheNextOneGoesThrough() throws Exception {
        try (TlsManager manager = new TlsManager(ca, managerIdentity, 0);
             HttpReportSink sink = new HttpReportSink(manager.address(), node)) {
            manager.holdAnswers();
            assertThatThrownBy(() -> sink.send(beat())).isInstanceOf(IOException.class)
                    .hasMessageContaining("no answer from the manager");
            manager.answerAgain();
            assertThat(sink.send(beat()).heartbeatMillis()).isEqualTo(100);
        }
    }

    @Test
    void aServerWithAnotherNodesCertificateIsNotTakenForTheManager() {
        try (TlsManager impostor = new TlsManager(ca, ca.issue("node-2"), 0);
             HttpReportSink sink = new HttpReportSink(impostor.address(), node)) {
            assertThatThrownBy(() -> sink.send(beat())).isInstanceOf(IOException.class)
                    .hasMessageContaining("not the manager");
            assertThat(impostor.seen()).isEmpty();
        }
    }

    @Test
    void theManagersCertificateMustNameTheAddressDialled() {
        try (TlsManager manager = new TlsManager(ca, managerIdentity, 0);
             HttpReportSink sink = new HttpReportSink(new HostPort("localhost", manager.address().port()), node)) {
            // the certificate names 127.0.0.1 only
            assertThatThrownBy(() -> sink.send(beat())).isInstanceOf(IOException.class);
            assertThat(manager.seen()).isEmpty();
        }
    }

    @Test
    void aManagerNotListeningIsReportedAsUnreachable() throws Exception {
        HostPort gone;
        try (TlsManager manager = new TlsManager(ca, managerIdentity, 0)) {
            gone = manager.address();
        }
        try (HttpReportSink sink = new HttpReportSink(gone, node)) {
            assertThatThrownBy(() -> sink.send(beat())).isInstanceOf(IOException.class)
                    .hasMessageContaining("cannot connect");
        }
    }
}
