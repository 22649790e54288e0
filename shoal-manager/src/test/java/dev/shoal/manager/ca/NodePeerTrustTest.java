package dev.shoal.manager.ca;

import dev.shoal.node.tls.ClusterTls;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class NodePeerTrustTest {
    @TempDir Path dir;

    @Test
    void aNodesCertificateIsTrustedOnlyAtItsOwnAddress() throws Exception {
        ClusterSecurity security = ClusterSecurity.loadOrCreate(dir, new InetSocketAddress("127.0.0.1", 0));
        ClusterTls a = security.ca().issue("aaaaaaaaaaaaaaaa", List.of("10.0.0.1"));
        ClusterTls b = security.ca().issue("bbbbbbbbbbbbbbbb", List.of("10.0.0.1")); // enrolled claiming a's host
        Map<String, String> registered = Map.of("10.0.0.1:4243", "aaaaaaaaaaaaaaaa");
        NodePeerTrust trust = new NodePeerTrust(security.manager().trustOnlyCa(),
                (host, port) -> Optional.ofNullable(registered.get(host + ":" + port)));

        assertThatCode(() -> trust.checkNode(new X509Certificate[] {a.cert(), a.ca()}, "10.0.0.1", 4243))
                .doesNotThrowAnyException();
        assertThatThrownBy(() -> trust.checkNode(new X509Certificate[] {b.cert(), b.ca()}, "10.0.0.1", 4243))
                .isInstanceOf(CertificateException.class).hasMessageContaining("bbbbbbbbbbbbbbbb")
                .hasMessageContaining("aaaaaaaaaaaaaaaa");
        assertThatThrownBy(() -> trust.checkNode(new X509Certificate[] {a.cert(), a.ca()}, "10.0.0.1", 9999))
                .isInstanceOf(CertificateException.class).hasMessageContaining("no node is registered");
        assertThatThrownBy(() -> trust.checkServerTrusted(new X509Certificate[] {a.cert()}, "EC"))
                .isInstanceOf(CertificateException.class);
    }
}
