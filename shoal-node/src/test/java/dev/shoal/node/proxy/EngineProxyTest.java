package dev.shoal.node.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.shoal.node.HostPort;
import dev.shoal.node.testing.EchoThenByeEngine;
import dev.shoal.node.tls.ClusterTls;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The relay against a tiny engine stand-in on a unix socket: echoes until EOF, then says "bye" and closes. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class EngineProxyTest {
    @TempDir Path dir;
    private EchoThenByeEngine engine;
    private EngineProxy proxy;

    @BeforeEach void startEngineAndProxy() throws IOException {
        engine = new EchoThenByeEngine(dir.resolve("engine.sock"));
        proxy = EngineProxy.start(new HostPort("127.0.0.1", 0), null, ClusterTls.MANAGER_CN, engine.address());
    }

    @AfterEach void stop() throws IOException {
        proxy.close();
        engine.close();
    }

    private SocketChannel connect() throws IOException {
        HostPort at = proxy.localAddress();
        return SocketChannel.open(new InetSocketAddress(at.host(), at.port()));
    }

    @Test void relaysBothWaysAndDeliversOutputAfterTheClientHalfCloses() throws IOException {
        try (SocketChannel client = connect()) {
            client.write(ByteBuffer.wrap("hello".getBytes(StandardCharsets.US_ASCII)));
            assertThat(readExactly(client, 5)).isEqualTo("hello");

            client.shutdownOutput();

            assertThat(readToEnd(client)).isEqualTo("bye");
        }
    }

    @Test void carriesMegabytesBothWaysWithBackPressure() throws Exception {
        byte[] payload = new byte[8 * 1024 * 1024];
        new Random(42).nextBytes(payload);
        try (SocketChannel client = connect()) {
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    ByteBuffer buf = ByteBuffer.wrap(payload);
                    while (buf.hasRemaining()) {
                        client.write(buf);
                    }
                    client.shutdownOutput();
                } catch (IOException e) {
                    throw new RuntimeException(e);
                }
            });
            byte[] received = readAll(client);
            writer.join();
            assertThat(received).hasSize(payload.length + 3);
            assertThat(java.util.Arrays.copyOf(received, payload.length)).isEqualTo(payload);
            assertThat(new String(received, payload.length, 3, StandardCharsets.US_ASCII)).isEqualTo("bye");
        }
    }

    @Test void closesTheClientWhenTheEngineIsDown() throws IOException {
        engine.close();
        // a listener closed while a thread is in accept() may take a moment to stop taking connections
        await().atMost(Duration.ofSeconds(5)).until(() -> {
            try (SocketChannel probe = SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
                probe.connect(java.net.UnixDomainSocketAddress.of(dir.resolve("engine.sock")));
                return false;
            } catch (IOException refused) {
                return true;
            }
        });
        try (SocketChannel client = connect()) {
            assertThat(readAll(client)).isEmpty();
        } catch (IOException reset) {
            // a reset is as good as an orderly close here
        }
    }

    @Test void servesManyConnectionsAndForgetsFinishedOnes() throws Exception {
        for (int i = 0; i < 20; i++) {
            try (SocketChannel client = connect()) {
                client.write(ByteBuffer.wrap(("n" + i).getBytes(StandardCharsets.US_ASCII)));
                client.shutdownOutput();
                assertThat(readToEnd(client)).isEqualTo("n" + i + "bye");
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> proxy.activeConnections() == 0);
    }

    @Test void closeDropsOpenConnections() throws IOException {
        try (SocketChannel client = connect()) {
            client.write(ByteBuffer.wrap("x".getBytes(StandardCharsets.US_ASCII)));
            assertThat(readExactly(client, 1)).isEqualTo("x");
            proxy.close();
            assertThat(proxy.activeConnections()).isZero();
            try {
                assertThat(readAll(client)).isEmpty();
            } catch (IOException reset) {
                // fine too
            }
        }
    }

    private static String readExactly(SocketChannel ch, int n) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(n);
        while (buf.hasRemaining()) {
            if (ch.read(buf) < 0) {
                throw new IOException("EOF after " + buf.position() + " bytes");
            }
        }
        return new String(buf.array(), StandardCharsets.US_ASCII);
    }

    private static String readToEnd(SocketChannel ch) throws IOException {
        return new String(readAll(ch), StandardCharsets.US_ASCII);
    }

    private static byte[] readAll(SocketChannel ch) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(65536);
        while (ch.read(buf) >= 0) {
            out.write(buf.array(), 0, buf.position());
            buf.clear();
        }
        return out.toByteArray();
    }
}
