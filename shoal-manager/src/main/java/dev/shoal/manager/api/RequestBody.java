package dev.shoal.manager.api;

import dev.shoal.manager.errors.DockerException;

import io.netty.buffer.ByteBuf;

import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A request body as it arrives: kept in memory while small, spilled to a temporary file past
 * {@link #MEMORY_LIMIT} (image loads and build contexts can be gigabytes).
 *
 * <p>A <em>streaming</em> body (a call the manager only passes on to one node: {@code docker cp} in, {@code docker
 * build}) is not stored: its chunks go to a {@link Sink} as they arrive, on the client's event loop, and the client is
 * read only as fast as the sink takes them. Chunks that arrive before the sink is attached wait in a short queue.
 */
public final class RequestBody implements Closeable {
    /** Takes a streaming body's chunks, in order; {@code data} is the callee's to release. */
    public interface Sink {
        void chunk(ByteBuf data, boolean last);

        /** The chunks of one wake-up have all been handed over: a good moment to flush them on together. */
        default void readComplete() {
        }
    }

    private record Chunk(ByteBuf data, boolean last) { }

    private final boolean streaming;
    /** The most a stored body may hold: {@link #JSON_LIMIT} for JSON calls, unbounded for image archives. */
    private final long limit;
    private final java.util.ArrayDeque<Chunk> waiting = new java.util.ArrayDeque<>();
    private Sink sink;
    private boolean lastSeen;
    private boolean closed;

    RequestBody() {
        this(false, JSON_LIMIT);
    }

    RequestBody(long limit) {
        this(false, limit);
    }

    private RequestBody(boolean streaming, long limit) {
        this.streaming = streaming;
        this.limit = limit;
    }

    static RequestBody streaming() {
        return new RequestBody(true, Long.MAX_VALUE);
    }

    private static volatile Path spillDir;

    /**
     * Spill files go to {@code dir} from now on (the manager's data directory), and what an earlier run left
     * there (a manager killed mid-upload) is deleted. Null goes back to the system's temporary directory.
     */
    public static void spillTo(Path dir) throws IOException {
        if (dir == null) {
            spillDir = null;
            return;
        }
        Files.createDirectories(dir);
        try (var old = Files.list(dir)) {
            for (Path p : old.filter(p -> p.getFileName().toString().startsWith(SPILL_PREFIX)).toList()) {
                Files.deleteIfExists(p);
            }
        }
        spillDir = dir;
    }

    private static final String SPILL_PREFIX = "shoal-body-";

    private static Path newSpillFile() throws IOException {
        Path dir = spillDir;
        return dir == null ? Files.createTempFile(SPILL_PREFIX, ".bin") : Files.createTempFile(dir, SPILL_PREFIX, ".bin");
    }

    public boolean isStreaming() {
        return streaming;
    }

    /** A streaming body's next chunk (on the client's event loop). */
    void offer(ByteBuf data, boolean last) {
        lastSeen |= last;
        if (closed) {
            return;
        }
        if (sink != null) {
            sink.chunk(data.retain(), last);
        } else {
            waiting.add(new Chunk(data.retain(), last));
        }
    }

    /**
     * Attaches the sink (on the client's event loop) and hands it what already arrived. Returns true if the whole
     * body has now been passed on.
     */
    public boolean attach(Sink s) {
        sink = s;
        for (Chunk c; (c = waiting.poll()) != null; ) {
            s.chunk(c.data(), c.last());
        }
        return lastSeen;
    }

    /** The client's socket has no more to read for now (on the client's event loop). */
    void readComplete() {
        if (sink != null && !closed) {
            sink.readComplete();
        }
    }

    /** True once the last chunk has arrived. */
    public boolean complete() {
        return lastSeen;
    }
    static final int MEMORY_LIMIT = 1 << 20;
    /** The largest JSON body a route reads into memory. */
    public static final int JSON_LIMIT = 8 << 20;

    private byte[] memory = new byte[0];
    private int size;
    private long total;
    private Path file;
    private OutputStream fileOut;

    /** Stores the next chunk; false (nothing stored) once the body would pass its limit. */
    boolean append(ByteBuf chunk) throws IOException {
        int n = chunk.readableBytes();
        if (total + n > limit) {
            total += n;
            return false;
        }
        total += n;
        if (fileOut != null) {
            chunk.readBytes(fileOut, n);
            return true;
        }
        if (size + n > MEMORY_LIMIT) {
            file = newSpillFile();
            fileOut = Files.newOutputStream(file);
            fileOut.write(memory, 0, size);
            memory = null;
            chunk.readBytes(fileOut, n);
            return true;
        }
        if (size + n > memory.length) {
            memory = Arrays.copyOf(memory, Math.max(size + n, Math.max(4096, memory.length * 2)));
        }
        chunk.readBytes(memory, size, n);
        size += n;
        return true;
    }

    void finish() throws IOException {
        if (fileOut != null) {
            fileOut.close();
            fileOut = null;
        }
    }

    public long length() {
        return total;
    }

    public boolean isEmpty() {
        return total == 0;
    }

    /** The body as bytes; refused with 413 past {@link #JSON_LIMIT}. */
    public byte[] bytes() {
        if (total > JSON_LIMIT) {
            throw new DockerException(413, "request body too large (" + total + " bytes, limit " + JSON_LIMIT + ")");
        }
        if (file != null) {
            try {
                return Files.readAllBytes(file);
            } catch (IOException e) {
                throw new DockerException(500, "cannot read request body: " + e.getMessage());
            }
        }
        return Arrays.copyOf(memory, size);
    }

    /** The body in a file (written out now if it was still in memory); deleted when the request ends. */
    public Path file() throws IOException {
        if (file == null) {
            file = newSpillFile();
            Files.write(file, Arrays.copyOf(memory, size));
            memory = null;
        }
        return file;
    }

    @Override
    public void close() {
        closed = true;
        for (Chunk c; (c = waiting.poll()) != null; ) {
            c.data().release();
        }
        try {
            if (fileOut != null) {
                fileOut.close();
            }
            if (file != null) {
                Files.deleteIfExists(file);
            }
        } catch (IOException ignored) {
            // best effort: a temp file
        }
    }
}
