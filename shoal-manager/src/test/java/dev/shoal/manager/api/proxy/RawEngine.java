package dev.shoal.manager.api.proxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A Docker engine stand-in on TCP that speaks just enough HTTP/1.1: {@code /exec/ID/json} answers 200, an exec
 * start upgrades to a raw stream that echoes until the client's EOF, then says "bye" and closes; other GETs
 * answer {@code []} or a small JSON object.
 */
final class RawEngine implements AutoCloseable {
    static final String EXEC_ID = "e1e2e3e4e5e6e7e8";

    private final ServerSocket server;

    RawEngine() throws IOException {
        server = new ServerSocket();
        server.bind(new InetSocketAddress("127.0.0.1", 0));
        Thread.ofVirtual().start(this::serve);
    }

    int port() {
        return server.getLocalPort();
    }

    private void serve() {
        while (!server.isClosed()) {
            try {
                Socket conn = server.accept();
                Thread.ofVirtual().start(() -> handle(conn));
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void handle(Socket conn) {
        try (conn) {
            InputStream in = conn.getInputStream();
            OutputStream out = conn.getOutputStream();
            String head = readHead(in);
            if (head == null) {
                return;
            }
            String requestLine = head.substring(0, head.indexOf("\r\n"));
            int length = contentLength(head);
            in.readNBytes(length);
            if (requestLine.startsWith("POST ") && requestLine.contains("/exec/" + EXEC_ID + "/start")) {
                out.write(("HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\n"
                        + "Connection: Upgrade\r\nUpgrade: tcp\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
                in.transferTo(out);
                out.write("bye".getBytes(StandardCharsets.US_ASCII));
                out.flush();
                return;
            }
            String body = requestLine.contains("/containers/json") || requestLine.contains("/images/json") ? "[]"
                    : "{\"ID\":\"" + EXEC_ID + "\",\"ApiVersion\":\"1.41\",\"Version\":\"20.10.0\",\"Name\":\"h\"}";
            byte[] bytes = body.getBytes(StandardCharsets.US_ASCII);
            out.write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + bytes.length
                    + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(bytes);
            out.flush();
        } catch (IOException ignored) {
            // the test decides
        }
    }

    static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int b;
        while ((b = in.read()) >= 0) {
            head.write(b);
            String s = head.toString(StandardCharsets.US_ASCII);
            if (s.endsWith("\r\n\r\n")) {
                return s;
            }
        }
        return null;
    }

    private static int contentLength(String head) {
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                return Integer.parseInt(line.substring(line.indexOf(':') + 1).strip());
            }
        }
        return 0;
    }

    @Override public void close() throws IOException {
        server.close();
    }
}
