package dev.shoal.manager.dispatcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.shoal.manager.state.ClusterStore;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The cluster port's server: kept-alive requests, a body over the limit, connections let go when closed. */
class ClusterPortTest {
    private static ClusterPort echo() throws InterruptedException {
        ClusterPort.Handler echo = r -> new ClusterReply(200, ClusterStore.JSON.createObjectNode()
                .put("method", r.method()).put("length", r.body().length));
        return new ClusterPort(new InetSocketAddress("127.0.0.1", 0), null, Map.of("/echo", echo), 64,
                Map.of("/echo", "echo body too large"));
    }

    private static String post(OutputStream out, InputStream in, String path, String body) throws Exception {
        out.write(("POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length() + "\r\n\r\n" + body)
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            head.append((char) in.read());
        }
        int length = Integer.parseInt(head.toString().lines()
                .filter(l -> l.toLowerCase().startsWith("content-length:")).findFirst().orElseThrow()
                .substring(15).trim());
        return head.toString().lines().findFirst().orElseThrow() + " " + new String(in.readNBytes(length),
                StandardCharsets.UTF_8);
    }

    @Test
    void requestsOnOneConnectionAreAnsweredInTurnAndAClosedConnectionIsLetGo() throws Exception {
        try (ClusterPort port = echo(); Socket s = new Socket("127.0.0.1", port.port())) {
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            assertThat(post(out, in, "/echo", "abc")).isEqualTo("HTTP/1.1 200 OK {\"method\":\"POST\",\"length\":3}");
            assertThat(post(out, in, "/echo?x=1", "")).isEqualTo("HTTP/1.1 200 OK {\"method\":\"POST\",\"length\":0}");
            assertThat(post(out, in, "/other", "")).startsWith("HTTP/1.1 404 ");
            assertThat(port.connections()).isEqualTo(1);
            s.close();
            await().atMost(Duration.ofSeconds(10)).until(() -> port.connections() == 0);
        }
    }

    @Test
    void aBodyOverTheLimitIsRefusedWithThePathsMessage() throws Exception {
        try (ClusterPort port = echo(); Socket s = new Socket("127.0.0.1", port.port())) {
            assertThat(post(s.getOutputStream(), s.getInputStream(), "/echo", "x".repeat(65)))
                    .isEqualTo("HTTP/1.1 413 Request Entity Too Large {\"message\":\"echo body too large\"}");
        }
    }
}
