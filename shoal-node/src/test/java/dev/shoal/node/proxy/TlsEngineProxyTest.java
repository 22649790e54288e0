package dev.shoal.node.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.node.HostPort;
import dev.shoal.node.testing.EchoThenByeEngine;
import dev.shoal.node.testing.TestCa;
import dev.shoal.node.tls.ClusterTls;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The agent's mutual-TLS listener: only the manager's certificate from the cluster CA gets through to the engine. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class TlsEngineProxyTest {
    private final TestCa ca = new TestCa("cluster-ca");
    @TempDir Path dir;
    private EchoThenByeEngine engine;
    private EngineProxy proxy;

    @BeforeEach void start() throws IOException {
        engine = new EchoThenByeEngine(dir.resolve("engine.sock"));
        proxy = EngineProxy.start(new HostPort("127.0.0.1", 0), ca.issue("nodeid0123456789"), ClusterTls.MANAGER_CN,
                engine.address());
    }

    @AfterEach void stop() throws IOException {
        proxy.close();
        engine.close();
    }

    /** The manager half-closes towards a node with a bare FIN (no close_notify), as its relay does for exec/attach. */
    @Test void theManagersCertificateIsRelayedIncludingHalfClose() throws IOException {
        HostPort at = proxy.localAddress();
        try (Socket tcp = new Socket(at.host(), at.port());
             SSLSocket client = (SSLSocket) ca.issue(ClusterTls.MANAGER_CN).sslContext().getSocketFactory()
                     .createSocket(tcp, at.host(), at.port(), false)) {
            client.setEnabledProtocols(new String[] {ClusterTls.PROTOCOL});
            client.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
            client.getOutputStream().flush();
            assertThat(new String(client.getInputStream().readNBytes(5), StandardCharsets.US_ASCII)).isEqualTo("hello");

            tcp.shutdownOutput();

            assertThat(new String(client.getInputStream().readNBytes(3), StandardCharsets.US_ASCII)).isEqualTo("bye");
        }
    }

    @Test void megabytesCrossTheTlsRelayIntactBothWays() throws Exception {
        byte[] payload = new byte[4 * 1024 * 1024];
        new java.util.Random(7).nextBytes(payload);
        HostPort at = proxy.localAddress();
        try (Socket tcp = new Socket(at.host(), at.port());
             SSLSocket client = (SSLSocket) ca.issue(ClusterTls.MANAGER_CN).sslContext().getSocketFactory()
                     .createSocket(tcp, at.host(), at.port(), false)) {
            client.setEnabledProtocols(new String[] {ClusterTls.PROTOCOL});
            client.startHandshake();
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    client.getOutputStream().write(payload);
                    client.getOutputStream().flush();
                    tcp.shutdownOutput();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            byte[] echoed = client.getInputStream().readNBytes(payload.length + 3);
            writer.join();
            assertThat(java.util.Arrays.copyOf(echoed, payload.length)).isEqualTo(payload);
            assertThat(new String(echoed, payload.length, 3, StandardCharsets.US_ASCII)).isEqualTo("bye");
        }
    }

    @Test void aClientWithoutACertificateIsRefused() throws Exception {
        SSLContext noCert = SSLContext.getInstance(ClusterTls.PROTOCOL);
        noCert.init(null, new javax.net.ssl.TrustManager[] {ClusterTls.trusting(ca.certificate())}, null);
        assertRefused(noCert);
    }

    @Test void aCertificateFromAnotherCaIsRefused() {
        TestCa other = new TestCa("other-ca");
        ClusterTls foreign = other.issue(ClusterTls.MANAGER_CN);
        assertRefused(foreign.sslContext(ClusterTls.trusting(ca.certificate())));
    }

    @Test void aNodesCertificateFromTheSameCaIsRefused() {
        assertRefused(ca.issue("othernode0123456").sslContext());
    }

    private void assertRefused(SSLContext context) {
        try (SSLSocket client = connect(context)) {
            client.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
            client.getOutputStream().flush();
            assertThat(readToEnd(client.getInputStream())).isEmpty();
        } catch (IOException refused) {
            // a handshake alert or reset: refused
        }
        assertThat(proxy.activeConnections()).isZero();
    }

    private SSLSocket connect(SSLContext context) throws IOException {
        HostPort at = proxy.localAddress();
        SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(at.host(), at.port());
        socket.setEnabledProtocols(new String[] {ClusterTls.PROTOCOL});
        return socket;
    }

    private static String readToEnd(InputStream in) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toString(StandardCharsets.US_ASCII);
    }
}
