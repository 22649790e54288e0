package dev.shoal.manager.api.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * docker cp in over mutual TLS through manager and agent, against an engine stand-in: a streamed upload leaves its
 * node connection for the next call (a second copy pays no new TCP and TLS handshake), and a broken one never reaches
 * the engine as if it were whole.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StreamedUploadTest {
    private static final String ARCHIVE = "PUT /v1.41/containers/" + KeepAliveEngine.CONTAINER_ID
            + "/archive?path=%2Ftmp HTTP/1.1\r\nHost: docker\r\nContent-Type: application/x-tar\r\n"
            + "Transfer-Encoding: chunked\r\n\r\n";
    @TempDir Path dir;

    @Test
    void aStreamedUploadKeepsItsNodeConnectionForTheNextCall() throws Exception {
        try (KeepAliveEngine engine = new KeepAliveEngine();
                OneNodeCluster cluster = new OneNodeCluster(dir, engine.port());
                SocketChannel client = cluster.connect()) {
            InputStream in = Channels.newInputStream(client);
            for (int copy = 0; copy < 2; copy++) {
                putChunked(client, 3, 100_000);
                String head = RawEngine.readHead(in);
                assertThat(head).startsWith("HTTP/1.1 200");
                in.readNBytes(contentLength(head));
            }
            List<KeepAliveEngine.Seen> uploads = engine.seen().stream()
                    .filter(s -> s.requestLine().startsWith("PUT ") && s.requestLine().contains("/archive"))
                    .toList();
            assertThat(uploads).hasSize(2).allSatisfy(s -> assertThat(s.bodyBytes()).isEqualTo(300_000));
            assertThat(uploads.get(1).connection()).as("the second upload came on the first one's connection")
                    .isEqualTo(uploads.get(0).connection());
        }
    }

    @Test
    void aBrokenChunkIsRefusedAndTheEngineSeesTheUploadCutOffNotComplete() throws Exception {
        try (KeepAliveEngine engine = new KeepAliveEngine();
                OneNodeCluster cluster = new OneNodeCluster(dir, engine.port());
                SocketChannel client = cluster.connect()) {
            InputStream in = Channels.newInputStream(client);
            write(client, (ARCHIVE + "4\r\ntar!\r\nnot-a-size\r\n").getBytes(StandardCharsets.US_ASCII));
            String head = RawEngine.readHead(in);
            assertThat(head).startsWith("HTTP/1.1 400");
            assertThat(new String(in.readNBytes(contentLength(head)), StandardCharsets.US_ASCII))
                    .contains("malformed HTTP request body");
            assertThat(in.read()).as("the connection ends").isEqualTo(-1);
            assertThat(engine.seen()).noneMatch(s -> s.requestLine().startsWith("PUT "));
        }
    }

    /** A PUT /containers/{id}/archive with a chunked body, as the docker CLI sends it. */
    private static void putChunked(SocketChannel ch, int chunks, int chunkSize) throws IOException {
        write(ch, ARCHIVE.getBytes(StandardCharsets.US_ASCII));
        byte[] data = new byte[chunkSize];
        for (int i = 0; i < chunks; i++) {
            write(ch, (Integer.toHexString(chunkSize) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            write(ch, data);
            write(ch, "\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        write(ch, "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    private static int contentLength(String head) {
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                return Integer.parseInt(line.substring(line.indexOf(':') + 1).strip());
            }
        }
        return 0;
    }

    private static void write(SocketChannel ch, byte[] bytes) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }
}
