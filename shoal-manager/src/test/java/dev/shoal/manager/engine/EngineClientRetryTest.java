package dev.shoal.manager.engine;

import dev.shoal.manager.testing.EngineClients;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.shoal.manager.errors.DockerException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A node whose agent restarted under a kept-alive connection: the next call on it meets a reset connection. A read is
 * sent once more and succeeds (the JDK's HttpClient does it; this holds it to that); a write is never sent twice.
 */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class EngineClientRetryTest {

    @Test void aReadOnAConnectionTheNodeClosedIsSentAgainAndAWriteIsNot() throws Exception {
        try (ForgetfulNode node = new ForgetfulNode()) {
            EngineClient client = EngineClients.plain();
            String address = "127.0.0.1:" + node.port();

            assertThat(client.get(address, "/info").status()).isEqualTo(200);
            assertThat(client.get(address, "/info").status()).as("sent again on a new connection").isEqualTo(200);
            assertThat(node.answered()).isEqualTo(2);

            // the kept-alive connection of that second call is dropped on its next request too
            assertThatThrownBy(() -> client.post(address, "/containers/x/start", new byte[0]))
                    .isInstanceOf(DockerException.class);
            assertThat(node.answered()).as("the write reached the node once, unanswered, and was not resent")
                    .isEqualTo(2);
            assertThat(node.dropped()).isEqualTo(2);
        }
    }

    @Test void aCallToANodeWhosePortIsClosedForAMomentIsMadeAgain() throws Exception {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort(); // free now: the "agent" is restarting
        }
        EngineClient client = EngineClients.plain();
        // the node's agent comes back 150 ms after the first attempt is refused (the scenario, not a wait)
        int p = port;
        Thread later = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(150);
                try (ServerSocket back = new ServerSocket()) {
                    back.setReuseAddress(true);
                    back.bind(new InetSocketAddress("127.0.0.1", p));
                    try (Socket conn = back.accept()) {
                        readHead(conn.getInputStream());
                        conn.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                + "Content-Length: 2\r\n\r\n{}").getBytes(StandardCharsets.US_ASCII));
                        conn.getOutputStream().flush();
                    }
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        assertThat(client.post("127.0.0.1:" + port, "/containers/x/start", new byte[0]).status())
                .as("a refused connection delivered nothing: even a write is made again").isEqualTo(200);
        later.join();
        // a node that stays closed is given up after three refusals
        assertThatThrownBy(() -> client.get("127.0.0.1:" + port, "/info")).isInstanceOf(DockerException.class)
                .hasMessageContaining("did not answer");
    }

    private static void readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        for (int b; (b = in.read()) >= 0; ) {
            head.write(b);
            if (head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
                return;
            }
        }
    }

    /** Answers the first request of every connection and closes the connection on its second, unanswered. */
    private static final class ForgetfulNode implements AutoCloseable {
        private final ServerSocket server = new ServerSocket();
        private final AtomicInteger answered = new AtomicInteger();
        private final AtomicInteger dropped = new AtomicInteger();

        ForgetfulNode() throws IOException {
            server.bind(new InetSocketAddress("127.0.0.1", 0));
            Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket conn = server.accept();
                        Thread.ofVirtual().start(() -> serve(conn));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        int port() {
            return server.getLocalPort();
        }

        int answered() {
            return answered.get();
        }

        int dropped() {
            return dropped.get();
        }

        private void serve(Socket conn) {
            try (conn) {
                InputStream in = conn.getInputStream();
                if (head(in) == null) {
                    return;
                }
                byte[] body = "{\"ID\":\"e\"}".getBytes(StandardCharsets.US_ASCII);
                conn.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                        + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                conn.getOutputStream().write(body);
                conn.getOutputStream().flush();
                answered.incrementAndGet();
                if (head(in) != null) {
                    dropped.incrementAndGet(); // as an agent killed now would: the connection is reset
                    conn.setSoLinger(true, 0);
                }
            } catch (IOException ignored) {
                // the test decides
            }
        }

        private static String head(InputStream in) throws IOException {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            for (int b; (b = in.read()) >= 0; ) {
                head.write(b);
                if (head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
                    return head.toString(StandardCharsets.US_ASCII);
                }
            }
            return null;
        }

        @Override public void close() throws IOException {
            server.close();
        }
    }
}
