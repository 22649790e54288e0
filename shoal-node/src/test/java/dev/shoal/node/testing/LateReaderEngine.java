package dev.shoal.node.testing;

import dev.shoal.node.engine.EngineAddress;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

/**
 * An engine stand-in on a unix socket that reads nothing from its connections until {@link #startReading} (as dockerd
 * reads an upload only once its extraction helper runs), then reads each to EOF and reports what it got.
 */
public final class LateReaderEngine implements AutoCloseable {
    /** What the engine read: the number of bytes and their SHA-256. */
    public record Received(long bytes, byte[] sha256) { }

    private final ServerSocketChannel server;
    private final Path socket;
    private final CountDownLatch go = new CountDownLatch(1);
    private final java.util.List<CompletableFuture<Received>> received = new java.util.concurrent.CopyOnWriteArrayList<>();

    public LateReaderEngine(Path socket) throws IOException {
        this.socket = socket;
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(UnixDomainSocketAddress.of(socket));
        Thread.ofVirtual().start(this::serve);
    }

    public EngineAddress address() {
        return EngineAddress.parse("unix://" + socket);
    }

    public void startReading() {
        go.countDown();
    }

    /** What the first connection carried; completes once its input has ended. */
    public CompletableFuture<Received> received() {
        return received.isEmpty() ? CompletableFuture.failedFuture(new IOException("no connection")) : received.get(0);
    }

    private void serve() {
        while (server.isOpen()) {
            try {
                SocketChannel conn = server.accept();
                CompletableFuture<Received> done = new CompletableFuture<>();
                received.add(done);
                Thread.ofVirtual().start(() -> readLate(conn, done));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void readLate(SocketChannel connection, CompletableFuture<Received> received) {
        try (SocketChannel conn = connection) {
            go.await();
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            ByteBuffer buf = ByteBuffer.allocate(1 << 16);
            long total = 0;
            for (int n; (n = conn.read(buf)) >= 0; buf.clear()) {
                sha.update(buf.array(), 0, n);
                total += n;
            }
            received.complete(new Received(total, sha.digest()));
        } catch (IOException | InterruptedException | NoSuchAlgorithmException e) {
            received.completeExceptionally(e);
        }
    }

    @Override public void close() throws IOException {
        server.close();
    }
}
