package dev.shoal.node.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.node.HostPort;
import dev.shoal.node.testing.TestCa;
import dev.shoal.node.testing.TlsManager;
import java.io.IOException;
import org.junit.jupiter.api.Test;

/** Enrolment (pinned to the token's CA) and renewal (mutual TLS with the current certificate) over Netty. */
class ManagerCertificatesTest {
    private static final HostPort ADVERTISE = new HostPort("127.0.0.1", 4243);
    private final TestCa ca = new TestCa("cluster-ca");
    private final ClusterTls managerIdentity = ca.issue(ClusterTls.MANAGER_CN);

    @Test
    void enrolmentTrustsAManagerWhoseCaMatchesTheToken() throws Exception {
        try (TlsManager manager = new TlsManager(ca, managerIdentity, 0)) {
            ClusterTls tls = Enrollment.enroll(manager.address(), JoinToken.create(ca.certificate()), "abcd", ADVERTISE);
            assertThat(ClusterTls.commonName(tls.cert())).isEqualTo("abcd");
            assertThat(tls.ca()).isEqualTo(ca.certificate());
            assertThat(manager.seen()).singleElement().satisfies(seen -> {
                assertThat(seen.clientCert()).isNull();
                assertThat(seen.body().path("nodeId").asText()).isEqualTo("abcd");
            });
        }
    }

    @Test
    void enrolmentRefusesAManagerOfAnotherCa() {
        JoinToken otherCa = JoinToken.create(new TestCa("other-ca").certificate());
        try (TlsManager manager = new TlsManager(ca, managerIdentity, 0)) {
            assertThatThrownBy(() -> Enrollment.enroll(manager.address(), otherCa, "abcd", ADVERTISE))
                    .isInstanceOf(IOException.class).hasMessageContaining("does not match the join token");
            assertThat(manager.seen()).isEmpty();
        }
    }

    @Test
    void enrolmentWhileNoManagerListensIsWorthRetrying() throws Exception {
        HostPort gone;
        try (TlsManager manager = new TlsManager(ca, managerIdentity, 0)) {
            gone = manager.address();
        }
        assertThatThrownBy(() -> Enrollment.enroll(gone, JoinToken.create(ca.certificate()), "abcd", ADVERTISE))
                .isInstanceOf(Enrollment.ManagerUnreachableException.class);
    }

    @Test
    void renewalPresentsTheCurrentCertificateAndGetsOneForANewKey() throws Exception {
        ClusterTls current = ca.issue("node-1");
        try (TlsManager manager = new TlsManager(ca, managerIdentity, 0)) {
            ClusterTls renewed = CertificateRenewal.renew(manager.address(), current);
            assertThat(ClusterTls.commonName(renewed.cert())).isEqualTo("node-1");
            assertThat(renewed.cert().getPublicKey()).isNotEqualTo(current.cert().getPublicKey());
            assertThat(renewed.key()).isNotEqualTo(current.key());
            assertThat(manager.seen()).singleElement()
                    .satisfies(seen -> assertThat(seen.clientCert()).isEqualTo(current.cert()));
        }
    }

    @Test
    void renewalRefusesAServerThatIsNotTheManager() {
        try (TlsManager impostor = new TlsManager(ca, ca.issue("node-2"), 0)) {
            assertThatThrownBy(() -> CertificateRenewal.renew(impostor.address(), ca.issue("node-1")))
                    .isInstanceOf(IOException.class).hasMessageContaining("not the manager");
        }
    }
}
