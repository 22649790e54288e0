package dev.shoal.manager.api.proxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An engine stand-in on TCP that keeps connections alive as dockerd does (until the client says "Connection: close"),
 * reads chunked and sized bodies, answers every call with a small JSON object, and records which connection carried
 * which request.
 */
final class KeepAliveEngine implements AutoCloseable {
    static final String CONTAINER_ID = "c0ffee" + "0".repeat(58);

    /** One request as the engine saw it: the connection it came on (numbered from 1), its request line, body size. */
    record Seen(int connection, String requestLine, long bodyBytes) { }

    private final ServerSocket server;
    private final AtomicInteger connections = new AtomicInteger();
    private final List<Seen> seen = new CopyOnWriteArrayList<>();

    KeepAliveEngine() throws IOException {
        server = new ServerSocket();
        server.bind(new InetSocketAddress("127.0.0.1", 0));
        Thread.ofVirtual().start(this::serve);
    }

    int port() {
        return server.getLocalPort();
    }

    List<Seen> seen() {
        return List.copyOf(seen);
    }

    private void serve() {
        while (!server.isClosed()) {
            try {
                Socket conn = server.accept();
                int number = connections.incrementAndGet();
                Thread.ofVirtual().start(() -> handle(conn, number));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void handle(Socket conn, int number) {
        try (conn) {
            InputStream in = conn.getInputStream();
            OutputStream out = conn.getOutputStream();
            for (String head; (head = RawEngine.readHead(in)) != null; ) {
                String requestLine = head.substring(0, head.indexOf("\r\n"));
                String lower = head.toLowerCase();
                long body = lower.contains("transfer-encoding: chunked") ? readChunked(in) : in.readNBytes(length(lower)).length;
                seen.add(new Seen(number, requestLine, body));
                boolean list = requestLine.contains("/containers/json") || requestLine.contains("/images/json")
                        || requestLine.contains("/networks");
                byte[] json = (list ? "[]" : "{\"Id\":\"" + CONTAINER_ID + "\",\"ID\":\"e\",\"ApiVersion\":\"1.41\","
                        + "\"Version\":\"20.10.0\",\"Name\":\"h\"}").getBytes(StandardCharsets.US_ASCII);
                boolean close = lower.contains("connection: close");
                out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + json.length
                        + (close ? "\r\nConnection: close" : "") + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(json);
                out.flush();
                if (close) {
                    return;
                }
            }
        } catch (IOException ignored) {
            // the test decides
        }
    }

    private static int length(String lowerHead) {
        for (String line : lowerHead.split("\r\n")) {
            if (line.startsWith("content-length:")) {
                return Integer.parseInt(line.substring(line.indexOf(':') + 1).strip());
            }
        }
        return 0;
    }

    /** Reads a chunked body to its end (no trailers), returning its size. */
    private static long readChunked(InputStream in) throws IOException {
        long total = 0;
        while (true) {
            int size = Integer.parseInt(line(in).split(";")[0].strip(), 16);
            if (size == 0) {
                line(in);
                return total;
            }
            total += in.readNBytes(size).length;
            line(in);
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        for (int b; (b = in.read()) >= 0; ) {
            if (b == '\n') {
                return buf.toString(StandardCharsets.US_ASCII).strip();
            }
            buf.write(b);
        }
        throw new IOException("EOF in a chunk header");
    }

    @Override public void close() throws IOException {
        server.close();
    }
}
