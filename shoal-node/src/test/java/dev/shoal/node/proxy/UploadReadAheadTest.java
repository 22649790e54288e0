package dev.shoal.node.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.shoal.node.HostPort;
import dev.shoal.node.testing.LateReaderEngine;
import dev.shoal.node.tls.ClusterTls;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * An upload reaches the engine before the engine reads it (dockerd starts its extraction helper first): the relay takes
 * it in ahead of the engine, deep enough to cover that start-up, and still pushes back past its limit.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class UploadReadAheadTest {
    private static final int MB = 1 << 20;
    @TempDir Path dir;

    @Test void anUploadIsTakenInAheadOfAnEngineThatDoesNotReadYetButOnlySoFar() throws Exception {
        byte[] piece = new byte[64 * 1024];
        new Random(7).nextBytes(piece);
        int pieces = 48 * MB / piece.length;
        MessageDigest sent = MessageDigest.getInstance("SHA-256");
        for (int i = 0; i < pieces; i++) {
            sent.update(piece);
        }
        try (LateReaderEngine engine = new LateReaderEngine(dir.resolve("engine.sock"));
                EngineProxy proxy = EngineProxy.start(new HostPort("127.0.0.1", 0), null, ClusterTls.MANAGER_CN,
                        engine.address());
                SocketChannel manager = SocketChannel.open(new InetSocketAddress("127.0.0.1",
                        proxy.localAddress().port()))) {
            Thread writer = upload(manager, piece, pieces);

            // the relay holds the start of the upload for the engine, 16 MB of it ...
            await().atMost(Duration.ofSeconds(10)).until(() -> proxy.waitingForEngine() >= 15L * MB);
            // ... and takes no more while the engine still reads nothing (one wake-up's reads may overshoot)
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(3))
                    .until(() -> proxy.waitingForEngine() <= 21L * MB);

            engine.startReading();
            writer.join();
            LateReaderEngine.Received got = engine.received().get(20, TimeUnit.SECONDS);
            assertThat(got.bytes()).isEqualTo((long) pieces * piece.length);
            assertThat(got.sha256()).isEqualTo(sent.digest());
        }
    }

    @Test void manyUploadsAtOnceShareOneReadAheadBudget() throws Exception {
        int uploads = 6; // 6 × 16 MB would be 96 MB; the budget is 64 MB beyond 1 MB each
        byte[] piece = new byte[64 * 1024];
        try (LateReaderEngine engine = new LateReaderEngine(dir.resolve("engine.sock"));
                EngineProxy proxy = EngineProxy.start(new HostPort("127.0.0.1", 0), null, ClusterTls.MANAGER_CN,
                        engine.address())) {
            java.util.List<SocketChannel> managers = new java.util.ArrayList<>();
            java.util.List<Thread> writers = new java.util.ArrayList<>();
            try {
                for (int u = 0; u < uploads; u++) {
                    SocketChannel ch = SocketChannel.open(new InetSocketAddress("127.0.0.1", proxy.localAddress().port()));
                    managers.add(ch);
                    writers.add(upload(ch, piece, 32 * MB / piece.length));
                }
                await().atMost(Duration.ofSeconds(15)).until(() -> proxy.waitingForEngine() >= 60L * MB);
                await().during(Duration.ofMillis(800)).atMost(Duration.ofSeconds(4))
                        .until(() -> proxy.waitingForEngine() <= 90L * MB);

                engine.startReading();
                for (Thread w : writers) {
                    w.join();
                }
                await().atMost(Duration.ofSeconds(20)).until(() -> proxy.waitingForEngine() == 0);
            } finally {
                for (SocketChannel ch : managers) {
                    ch.close();
                }
            }
        }
    }

    /** Writes {@code piece} {@code times} to {@code ch} as the manager would stream an upload, then ends its output. */
    private static Thread upload(SocketChannel ch, byte[] piece, int times) {
        return Thread.ofVirtual().start(() -> {
            try {
                for (int i = 0; i < times; i++) {
                    ByteBuffer buf = ByteBuffer.wrap(piece);
                    while (buf.hasRemaining()) {
                        ch.write(buf);
                    }
                }
                ch.shutdownOutput();
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
    }
}
