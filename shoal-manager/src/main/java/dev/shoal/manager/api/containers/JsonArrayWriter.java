package dev.shoal.manager.api.containers;

import dev.shoal.manager.api.Exchange;
import dev.shoal.manager.api.ResponseStream;
import dev.shoal.manager.state.ClusterStore;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * Writes a JSON array answer of pre-serialized elements: a small one as one response with its length, a large one
 * streamed in chunks as it is written (the client's pace holds the writer, see {@link ResponseStream#write}).
 */
final class JsonArrayWriter implements AutoCloseable {
    /** Past this much, the answer is streamed. */
    private static final int CHUNK = 256 * 1024;
    private final Exchange ex;
    private ByteArrayOutputStream buf = new ByteArrayOutputStream(8192);
    private ResponseStream stream;
    private boolean first = true;
    private boolean gone;

    JsonArrayWriter(Exchange ex) {
        this.ex = ex;
        buf.write('[');
    }

    /** One element: its bytes are {@code head}, {@code text} as a JSON string, {@code tail}. */
    void element(byte[] head, String text, byte[] tail) throws IOException {
        comma();
        buf.write(head);
        string(text);
        buf.write(tail);
        maybeFlush();
    }

    void element(Object value) throws IOException {
        comma();
        buf.write(ClusterStore.JSON.writeValueAsBytes(value));
        maybeFlush();
    }

    /** Whether the client has gone (a streamed answer stops early). */
    boolean gone() {
        return gone;
    }

    private void comma() {
        if (!first) {
            buf.write(',');
        }
        first = false;
    }

    private void string(String s) throws IOException {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') {
                buf.write(ClusterStore.JSON.writeValueAsBytes(s));
                return;
            }
        }
        buf.write('"');
        buf.write(s.getBytes(StandardCharsets.ISO_8859_1));
        buf.write('"');
    }

    private void maybeFlush() {
        if (buf.size() < CHUNK) {
            return;
        }
        if (stream == null) {
            stream = ex.stream(200, "application/json");
        }
        gone |= !stream.write(buf.toByteArray());
        buf = new ByteArrayOutputStream(CHUNK + 8192);
    }

    @Override
    public void close() {
        buf.write(']');
        if (stream == null) {
            ex.respond(200, "application/json", buf.toByteArray());
            return;
        }
        if (!gone) {
            stream.write(buf.toByteArray());
        }
        stream.close();
    }
}
