package dev.shoal.node.proxy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Copies bytes both ways between two ends until both directions have ended, with half-close: when one
 * side's input ends, the other side's output is shut down and the opposite direction keeps flowing
 * (Docker's attach/exec hijack depends on it). Blocking I/O, one virtual thread per direction.
 */
public final class Relay {
    private static final int BUFFER_SIZE = 64 * 1024;

    private final Duplex a;
    private final Duplex b;
    private final AtomicInteger openDirections = new AtomicInteger(2);
    private final AtomicBoolean closed = new AtomicBoolean();
    private final Consumer<Relay> onClose;

    /** A relay between {@code a} and {@code b}; {@code onClose} runs once, after both ends are closed. */
    public Relay(Duplex a, Duplex b, Consumer<Relay> onClose) {
        this.a = a;
        this.b = b;
        this.onClose = onClose;
    }

    /** Starts relaying, one virtual thread per direction. */
    public Relay start() {
        Thread.ofVirtual().name("relay-a-to-b").start(() -> pump(a, b));
        Thread.ofVirtual().name("relay-b-to-a").start(() -> pump(b, a));
        return this;
    }

    private void pump(Duplex from, Duplex to) {
        ByteBuffer buffer = ByteBuffer.allocate(BUFFER_SIZE);
        try {
            while (from.read(buffer) >= 0) {
                buffer.flip();
                to.write(buffer);
                buffer.clear();
            }
            to.shutdownOutput();
            if (openDirections.decrementAndGet() == 0) {
                close();
            }
        } catch (IOException | RuntimeException e) {
            close();
        }
    }

    /** Closes both ends; a blocked direction then ends with an exception, which is expected. */
    public void close() {
        if (closed.compareAndSet(false, true)) {
            closeQuietly(a);
            closeQuietly(b);
            onClose.accept(this);
        }
    }

    private static void closeQuietly(Duplex end) {
        try {
            end.close();
        } catch (IOException ignored) {
            // already broken; nothing to do
        }
    }
}
