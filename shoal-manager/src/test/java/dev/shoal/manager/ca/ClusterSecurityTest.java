package dev.shoal.manager.ca;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.node.tls.ClusterTls;
import dev.shoal.node.tls.JoinToken;
import dev.shoal.node.tls.Pem;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterSecurityTest {
    private static final InetSocketAddress LISTEN = new InetSocketAddress("10.213.0.1", 4245);

    @TempDir Path dataDir;

    @Test
    void createsTheCaManagerCertificateAndTokenOnceAndReusesThemAfterARestart() throws Exception {
        ClusterSecurity first = ClusterSecurity.loadOrCreate(dataDir, LISTEN);
        Path ca = dataDir.resolve("ca");
        for (String secret : List.of("ca.key", "join-token", "manager/key.pem")) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(ca.resolve(secret))))
                    .as(secret).isEqualTo("rw-------");
        }
        String tokenText = Files.readString(ca.resolve("join-token")).strip();
        JoinToken token = JoinToken.parse(tokenText);
        assertThat(token.caDigest()).isEqualTo(JoinToken.digest(first.ca().certificate()));
        assertThat(token.toString()).doesNotContain(token.secret());

        X509Certificate caCert = first.ca().certificate();
        assertThat(caCert.getBasicConstraints()).isGreaterThanOrEqualTo(0);
        assertThat(caCert.getNotAfter().toInstant()).isAfter(java.time.Instant.now().plus(java.time.Duration.ofDays(3600)));

        X509Certificate manager = first.manager().cert();
        assertThat(ClusterTls.commonName(manager)).isEqualTo("shoal-manager");
        assertThat(ClusterSecurity.sansOf(manager)).contains("10.213.0.1", "127.0.0.1", "localhost");
        assertThat(manager.getExtendedKeyUsage()).contains("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
        manager.verify(caCert.getPublicKey());

        ClusterSecurity again = ClusterSecurity.loadOrCreate(dataDir, LISTEN);
        assertThat(again.ca().certificate()).isEqualTo(caCert);
        assertThat(again.manager().cert()).isEqualTo(manager);
        assertThat(again.token().text()).isEqualTo(tokenText);
    }

    @Test
    void signsACsrWithTheNodeIdAsCnItsAddressAsSanAndBothKeyUsages() throws Exception {
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(dataDir);
        KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
        gen.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair keys = gen.generateKeyPair();
        PKCS10CertificationRequest csr = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=asked-for"),
                keys.getPublic()).build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()));

        X509Certificate cert = ca.signCsr(Pem.csr(Pem.encode(csr)), "abcdef0123456789", List.of("10.213.0.12"));

        cert.verify(ca.certificate().getPublicKey());
        assertThat(ClusterTls.commonName(cert)).isEqualTo("abcdef0123456789");
        assertThat(cert.getPublicKey()).isEqualTo(keys.getPublic());
        assertThat(cert.getSubjectAlternativeNames()).containsExactly(List.of(7, "10.213.0.12"));
        assertThat(cert.getExtendedKeyUsage()).containsExactlyInAnyOrder("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
        assertThat(cert.getBasicConstraints()).isEqualTo(-1);
        long days = java.time.Duration.between(cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant()).toDays();
        assertThat(days).isBetween(365L, 366L);

        X509Certificate dns = ca.signCsr(csr, "abcdef0123456789", List.of("node1.example"));
        assertThat(dns.getSubjectAlternativeNames()).containsExactly(List.of(2, "node1.example"));
    }

    @Test
    void refusesACsrWhoseSignatureDoesNotMatchItsKey() throws Exception {
        CertificateAuthority ca = CertificateAuthority.loadOrCreate(dataDir);
        KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
        gen.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair claimed = gen.generateKeyPair();
        KeyPair signer = gen.generateKeyPair();
        PKCS10CertificationRequest forged = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=x"),
                claimed.getPublic()).build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate()));
        assertThatThrownBy(() -> ca.signCsr(forged, "abcdef0123456789", List.of("10.0.0.1")))
                .hasMessageContaining("invalid");
    }
}
