package dev.shoal.node.engine;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Read-only calls to one Docker engine, local ({@code unix://}) or remote ({@code tcp://}), as raw JSON.
 * It never creates, starts, stops or removes anything.
 *
 * <p>Three GETs every ten seconds need no HTTP library: each is one HTTP/1.0 request on a new connection (the engine
 * then sends the body plainly, not chunked, and closes), with a connect and a response deadline. docker-java and its
 * HTTP client used to do this, some 400 classes loaded in every agent for it.
 */
public final class EngineClient implements Closeable {
    /** More than any /info or /version; an answer beyond it is refused rather than held. */
    static final int MAX_RESPONSE = 4 << 20;

    private final EngineAddress address;
    private final long connectNanos;
    private final long responseNanos;

    public EngineClient(EngineAddress address) {
        this(address, Duration.ofSeconds(2), Duration.ofSeconds(5));
    }

    public EngineClient(EngineAddress address, Duration connectTimeout, Duration responseTimeout) {
        this.address = address;
        this.connectNanos = connectTimeout.toNanos();
        this.responseNanos = responseTimeout.toNanos();
    }

    public EngineAddress address() {
        return address;
    }

    /** {@code GET /_ping}: true when the engine answers "OK". */
    public boolean ping() throws IOException {
        return "OK".equals(new String(get("/_ping"), StandardCharsets.UTF_8).strip());
    }

    /** {@code GET /info}, raw. */
    public JsonNode info() throws IOException {
        return getJson("/info");
    }

    /** {@code GET /version}, raw. */
    public JsonNode version() throws IOException {
        return getJson("/version");
    }

    public JsonNode getJson(String path) throws IOException {
        return dev.shoal.node.Json.read(get(path));
    }

    private byte[] get(String path) throws IOException {
        Response response;
        try {
            response = Response.parse(exchange(("GET " + path + " HTTP/1.0\r\nHost: docker\r\nUser-Agent: shoal-agent\r\n"
                    + "Accept: application/json\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII)));
        } catch (IOException e) {
            throw new IOException("cannot reach engine " + address + ": " + describe(e), e);
        }
        if (response.status() != 200) {
            throw new IOException("engine " + address + " answered HTTP " + response.status() + " to GET " + path + ": "
                    + new String(response.body(), StandardCharsets.UTF_8).strip());
        }
        return response.body();
    }

    /** Sends {@code request} on a new connection and reads until the engine closes it, within the deadlines. */
    private byte[] exchange(byte[] request) throws IOException {
        try (SocketChannel ch = SocketChannel.open(address.isUnix() ? StandardProtocolFamily.UNIX : familyOf(address));
             Selector selector = Selector.open()) {
            ch.configureBlocking(false);
            SelectionKey key = ch.register(selector, 0);
            if (!ch.connect(address.socketAddress())) {
                key.interestOps(SelectionKey.OP_CONNECT);
                long connectBy = System.nanoTime() + connectNanos;
                while (!ch.finishConnect()) {
                    await(selector, connectBy, "connect timed out");
                }
            }
            long by = System.nanoTime() + responseNanos;
            ByteBuffer out = ByteBuffer.wrap(request);
            key.interestOps(SelectionKey.OP_WRITE);
            while (out.hasRemaining()) {
                if (ch.write(out) == 0) {
                    await(selector, by, "timed out sending the request");
                }
            }
            key.interestOps(SelectionKey.OP_READ);
            ByteArrayOutputStream answer = new ByteArrayOutputStream(8192);
            ByteBuffer in = ByteBuffer.allocate(16384);
            while (true) {
                int n = ch.read(in.clear());
                if (n < 0) {
                    return answer.toByteArray();
                }
                if (n == 0) {
                    await(selector, by, "timed out reading the answer");
                    continue;
                }
                if (answer.size() + n > MAX_RESPONSE) {
                    throw new IOException("answer larger than " + MAX_RESPONSE + " bytes");
                }
                answer.write(in.array(), 0, n);
                if (Response.complete(answer.toByteArray())) {
                    return answer.toByteArray(); // an engine (or a stand-in) that keeps the connection open
                }
            }
        }
    }

    private static java.net.ProtocolFamily familyOf(EngineAddress address) {
        var socket = (java.net.InetSocketAddress) address.socketAddress();
        return socket.getAddress() instanceof java.net.Inet6Address ? StandardProtocolFamily.INET6
                : StandardProtocolFamily.INET;
    }

    private static void await(Selector selector, long deadline, String timeout) throws IOException {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
            throw new IOException(timeout);
        }
        selector.select(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        selector.selectedKeys().clear();
    }

    /** The status and body of a whole HTTP/1.x answer (a chunked body is decoded, should an engine send one). */
    record Response(int status, byte[] body) {
        /** True once {@code raw} holds a whole answer by its Content-Length or chunked framing (else: read to EOF). */
        static boolean complete(byte[] raw) {
            int end = indexOf(raw, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII), 0);
            if (end < 0) {
                return false;
            }
            String head = new String(raw, 0, end, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
            if (!head.contains("content-length:") && !head.contains("chunked")) {
                return false;
            }
            try {
                parse(raw);
                return true;
            } catch (IOException e) {
                return false;
            }
        }

        static Response parse(byte[] raw) throws IOException {
            int end = indexOf(raw, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII), 0);
            if (end < 0) {
                throw new IOException(raw.length == 0 ? "the engine closed the connection without answering"
                        : "incomplete HTTP answer");
            }
            String[] head = new String(raw, 0, end, StandardCharsets.ISO_8859_1).split("\r\n");
            String[] statusLine = head[0].split(" ", 3);
            if (statusLine.length < 2 || !statusLine[0].startsWith("HTTP/")) {
                throw new IOException("not an HTTP answer: " + head[0]);
            }
            int status;
            try {
                status = Integer.parseInt(statusLine[1]);
            } catch (NumberFormatException e) {
                throw new IOException("not an HTTP answer: " + head[0]);
            }
            boolean chunked = false;
            long length = -1;
            for (int i = 1; i < head.length; i++) {
                int colon = head[i].indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String name = head[i].substring(0, colon).strip().toLowerCase(Locale.ROOT);
                String value = head[i].substring(colon + 1).strip();
                if (name.equals("transfer-encoding") && value.toLowerCase(Locale.ROOT).contains("chunked")) {
                    chunked = true;
                } else if (name.equals("content-length")) {
                    try {
                        length = Long.parseLong(value);
                    } catch (NumberFormatException e) {
                        throw new IOException("bad Content-Length: " + value);
                    }
                }
            }
            int start = end + 4;
            byte[] body;
            if (chunked) {
                body = dechunk(raw, start);
            } else if (length >= 0) {
                if (raw.length - start < length) {
                    throw new IOException("the answer ended after " + (raw.length - start) + " of " + length + " bytes");
                }
                body = java.util.Arrays.copyOfRange(raw, start, start + (int) length);
            } else {
                body = java.util.Arrays.copyOfRange(raw, start, raw.length);
            }
            return new Response(status, body);
        }

        private static byte[] dechunk(byte[] raw, int at) throws IOException {
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            byte[] crlf = {'\r', '\n'};
            while (true) {
                int eol = indexOf(raw, crlf, at);
                if (eol < 0) {
                    throw new IOException("truncated chunked answer");
                }
                String size = new String(raw, at, eol - at, StandardCharsets.ISO_8859_1);
                int semi = size.indexOf(';');
                int n;
                try {
                    n = Integer.parseInt((semi < 0 ? size : size.substring(0, semi)).strip(), 16);
                } catch (NumberFormatException e) {
                    throw new IOException("bad chunk size: " + size);
                }
                at = eol + 2;
                if (n == 0) {
                    return body.toByteArray();
                }
                if (n < 0 || raw.length - at < n) {
                    throw new IOException("truncated chunked answer");
                }
                body.write(raw, at, n);
                at += n + 2;
            }
        }

        private static int indexOf(byte[] data, byte[] what, int from) {
            outer:
            for (int i = from; i <= data.length - what.length; i++) {
                for (int j = 0; j < what.length; j++) {
                    if (data[i + j] != what[j]) {
                        continue outer;
                    }
                }
                return i;
            }
            return -1;
        }
    }

    private static String describe(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
    }

    /** Nothing is kept open between calls. */
    @Override public void close() throws IOException {
    }
}
