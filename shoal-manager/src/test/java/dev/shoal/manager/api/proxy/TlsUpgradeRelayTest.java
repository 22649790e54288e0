package dev.shoal.manager.api.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * docker exec's hijack through the whole chain over mutual TLS: client → manager (unix socket) → Netty
 * {@link EngineProxy} with TLS → agent's TLS listener → engine. After the 101 the client half-closes and still
 * reads the engine's last words.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsUpgradeRelayTest {
    @TempDir Path dir;

    @Test
    void anUpgradedExecRelaysBothWaysAndKeepsHalfCloseOverTls() throws Exception {
        try (RawEngine engine = new RawEngine();
                OneNodeCluster cluster = new OneNodeCluster(dir, engine.port());
                SocketChannel client = cluster.connect()) {
            byte[] body = "{\"Detach\":false,\"Tty\":false}".getBytes(StandardCharsets.US_ASCII);
            write(client, "POST /v1.41/exec/" + RawEngine.EXEC_ID + "/start HTTP/1.1\r\nHost: docker\r\n"
                    + "Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length + "\r\n\r\n" + new String(body, StandardCharsets.US_ASCII));
            InputStream in = Channels.newInputStream(client);
            String head = RawEngine.readHead(in);
            assertThat(head).startsWith("HTTP/1.1 101");

            write(client, "hello");
            assertThat(new String(in.readNBytes(5), StandardCharsets.US_ASCII)).isEqualTo("hello");
            client.shutdownOutput();
            assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("bye");
        }
    }

    private static void write(SocketChannel ch, String text) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }
}
