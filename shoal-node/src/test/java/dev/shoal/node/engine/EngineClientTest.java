package dev.shoal.node.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.node.testing.FakeEngine;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EngineClientTest {
    @TempDir Path dir;

    @Test void readsInfoVersionAndPingOverTcp() throws IOException {
        try (FakeEngine engine = new FakeEngine(); EngineClient client = new EngineClient(engine.address())) {
            assertThat(client.ping()).isTrue();
            assertThat(client.info().get("ID").asText()).isEqualTo("CLONED-ENGINE-ID");
            assertThat(client.version().get("ApiVersion").asText()).isEqualTo("1.48");
            assertThatThrownBy(() -> client.getJson("/nothing")).hasMessageContaining("HTTP 404")
                    .hasMessageContaining("page not found");
        }
    }

    @Test void readsAChunkedAnswerOverAUnixSocketAndSendsHttp10() throws Exception {
        Path socket = dir.resolve("engine.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            String[] request = new String[1];
            Thread engine = Thread.ofVirtual().start(() -> {
                try (SocketChannel ch = server.accept()) {
                    ByteBuffer in = ByteBuffer.allocate(4096);
                    while (!new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII).contains("\r\n\r\n")) {
                        ch.read(in);
                    }
                    request[0] = new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII);
                    ch.write(ByteBuffer.wrap(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                            + "Transfer-Encoding: chunked\r\n\r\n5\r\n{\"ID\"\r\n9;x=y\r\n:\"ENGINE\"\r\n1\r\n}\r\n0\r\n\r\n")
                            .getBytes(StandardCharsets.US_ASCII)));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            try (EngineClient client = new EngineClient(EngineAddress.parse("unix://" + socket))) {
                assertThat(client.info().get("ID").asText()).isEqualTo("ENGINE");
            }
            engine.join();
            assertThat(request[0]).startsWith("GET /info HTTP/1.0\r\n");
        }
    }

    @Test void anAnswerIsWholeByItsLengthEvenIfTheEngineKeepsTheConnection() throws Exception {
        Path socket = dir.resolve("keepalive.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            Thread engine = Thread.ofVirtual().start(() -> {
                try (SocketChannel ch = server.accept()) {
                    ch.read(ByteBuffer.allocate(4096));
                    ch.write(ByteBuffer.wrap("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{\"ID\":\"K\"}"
                            .getBytes(StandardCharsets.US_ASCII)));
                    Thread.sleep(3000); // keeps it open
                } catch (IOException | InterruptedException e) {
                    // the test is over
                }
            });
            EngineClient client = new EngineClient(EngineAddress.parse("unix://" + socket), Duration.ofSeconds(1),
                    Duration.ofSeconds(2));
            assertThat(client.info().get("ID").asText()).isEqualTo("K");
            engine.interrupt();
        }
    }

    @Test void anEngineThatNeverAnswersTimesOut() throws Exception {
        Path socket = dir.resolve("silent.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socket));
            EngineClient client = new EngineClient(EngineAddress.parse("unix://" + socket), Duration.ofSeconds(1),
                    Duration.ofMillis(300));
            long t0 = System.nanoTime();
            assertThatThrownBy(client::info).hasMessageContaining("cannot reach engine unix://" + socket)
                    .hasMessageContaining("timed out");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test void aMissingSocketIsUnreachable() {
        EngineClient client = new EngineClient(EngineAddress.parse("unix://" + dir.resolve("none.sock")));
        assertThatThrownBy(client::ping).hasMessageContaining("cannot reach engine unix://");
    }

    @Test void parsesContentLengthAndBodiesThatRunToTheClose() throws IOException {
        byte[] sized = "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nOKjunk".getBytes(StandardCharsets.US_ASCII);
        assertThat(new String(EngineClient.Response.parse(sized).body(), StandardCharsets.US_ASCII)).isEqualTo("OK");
        byte[] toClose = "HTTP/1.0 500 Internal Server Error\r\n\r\n{\"message\":\"x\"}".getBytes(StandardCharsets.US_ASCII);
        EngineClient.Response r = EngineClient.Response.parse(toClose);
        assertThat(r.status()).isEqualTo(500);
        assertThat(new String(r.body(), StandardCharsets.US_ASCII)).isEqualTo("{\"message\":\"x\"}");
        assertThatThrownBy(() -> EngineClient.Response.parse("HTTP/1.0 200 OK\r\nContent-Length: 9\r\n\r\nOK"
                .getBytes(StandardCharsets.US_ASCII))).hasMessageContaining("2 of 9");
        assertThatThrownBy(() -> EngineClient.Response.parse(new byte[0])).hasMessageContaining("without answering");
        assertThat(Files.exists(dir)).isTrue();
    }
}
