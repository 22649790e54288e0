package dev.shoal.manager.api;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The API port's own bounds, over raw sockets: order of pipelined requests, time-outs, body sizes, connections. */
class ApiServerLimitsTest {
    private static final ApiLimits SHORT = new ApiLimits(Duration.ofMillis(300), Duration.ofMillis(600),
            Duration.ofMillis(300), 3);

    private final AtomicInteger running = new AtomicInteger();
    private final AtomicInteger mostAtOnce = new AtomicInteger();
    private ApiServer server;
    private int port;

    private void start(ApiLimits limits) throws IOException {
        server = new ApiServer(ApiServer.newEventLoops(), ex -> {
            int now = running.incrementAndGet();
            mostAtOnce.accumulateAndGet(now, Math::max);
            try {
                if (ex.path().equals("/slow")) {
                    Thread.sleep(300); // the route itself is slow: what the test is about
                }
                ex.respondText(200, ex.path() + " " + ex.body().length());
            } finally {
                running.decrementAndGet();
            }
        }, limits);
        server.listenTcp(new InetSocketAddress("127.0.0.1", 0), null);
        port = ((InetSocketAddress) server.addresses().getFirst()).getPort();
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrderOneAtATime() throws Exception {
        start(ApiLimits.DEFAULT);
        try (Socket s = connect()) {
            send(s, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\nGET /fast HTTP/1.1\r\nHost: x\r\n\r\n"
                    + "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello");
            String answers = readUntil(s, "/echo 5", Duration.ofSeconds(10));
            assertThat(answers.indexOf("/slow 0")).isPositive().isLessThan(answers.indexOf("/fast 0"));
            assertThat(answers.indexOf("/fast 0")).isLessThan(answers.indexOf("/echo 5"));
        }
        assertThat(mostAtOnce.get()).isEqualTo(1);
    }

    @Test
    void halfAHeaderBlockIsClosedWithinTheBound() throws Exception {
        start(SHORT);
        try (Socket s = connect()) {
            send(s, "GET /x HTTP/1.1\r\nHost: x\r\n"); // never ends the header block
            assertThat(closedWithin(s, Duration.ofSeconds(3))).isTrue();
        }
        assertThat(running.get() + mostAtOnce.get()).as("the route never ran").isZero();
    }

    @Test
    void anIdleConnectionIsClosedAndABusyOneIsNot() throws Exception {
        start(SHORT);
        try (Socket s = connect()) {
            send(s, "GET /slow HTTP/1.1\r\nHost: x\r\n\r\n");
            readUntil(s, "/slow 0", Duration.ofSeconds(5)); // an answer slower than the header bound is fine
            assertThat(closedWithin(s, Duration.ofSeconds(3))).as("closed once idle").isTrue();
        }
    }

    @Test
    void aStalledBodyEndsItsConnection() throws Exception {
        start(SHORT);
        try (Socket s = connect()) {
            send(s, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly ten b");
            assertThat(closedWithin(s, Duration.ofSeconds(3))).isTrue();
        }
        assertThat(mostAtOnce.get()).isZero();
    }

    @Test
    void anOversizedJsonBodyIsRefusedByItsLengthBeforeItIsRead() throws Exception {
        start(ApiLimits.DEFAULT);
        try (Socket s = connect()) {
            send(s, "POST /containers/create HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + (RequestBody.JSON_LIMIT + 1) + "\r\n\r\n{");
            String answer = readUntil(s, "}", Duration.ofSeconds(5));
            assertThat(answer).startsWith("HTTP/1.1 413").contains("request body too large");
            assertThat(closedWithin(s, Duration.ofSeconds(3))).isTrue();
        }
        assertThat(mostAtOnce.get()).isZero();
    }

    @Test
    void aChunkedJsonBodyIsCutOffAtTheLimit() throws Exception {
        start(ApiLimits.DEFAULT);
        try (Socket s = connect()) {
            send(s, "POST /containers/create HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
            byte[] chunk = new byte[1 << 20];
            java.util.Arrays.fill(chunk, (byte) ' ');
            String head = Integer.toHexString(chunk.length) + "\r\n";
            OutputStream out = s.getOutputStream();
            try {
                for (int i = 0; i < 12; i++) {
                    out.write(head.getBytes(StandardCharsets.US_ASCII));
                    out.write(chunk);
                    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                }
            } catch (IOException closedUnderUs) {
                // the manager may close before all 12 MB are written: that is the point
            }
            assertThat(readUntil(s, "}", Duration.ofSeconds(5))).startsWith("HTTP/1.1 413");
        }
        assertThat(mostAtOnce.get()).isZero();
    }

    @Test
    void connectionsOverTheCapAreClosed() throws Exception {
        start(new ApiLimits(Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(5), 3));
        try (Socket a = served(); Socket b = served(); Socket c = served(); Socket d = connect()) {
            assertThat(closedWithin(d, Duration.ofSeconds(3))).as("the fourth of a cap of three").isTrue();
            send(a, "GET /a HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(readUntil(a, "/a 0", Duration.ofSeconds(5))).startsWith("HTTP/1.1 200");
        }
        try (Socket e = served()) {
            assertThat(e.isClosed()).as("room again once the others closed").isFalse();
        }
    }

    /** A connection that has had one answer (so it was accepted and counted). */
    private Socket served() throws Exception {
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> {
            try (Socket probe = connect()) {
                send(probe, "GET /probe HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
                return readUntil(probe, "/probe 0", Duration.ofSeconds(1)).startsWith("HTTP/1.1 200");
            }
        });
        Socket s = connect();
        send(s, "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(readUntil(s, "/hello 0", Duration.ofSeconds(5))).startsWith("HTTP/1.1 200");
        return s;
    }

    @Test
    void spillFilesAnEarlierRunLeftAreSweptAtStart(@TempDir Path dir) throws Exception {
        Path stale = Files.createFile(dir.resolve("shoal-body-123.bin"));
        Path other = Files.createFile(dir.resolve("keep.txt"));
        try {
            RequestBody.spillTo(dir);
            assertThat(stale).doesNotExist();
            assertThat(other).exists();
        } finally {
            RequestBody.spillTo(null);
        }
    }

    private Socket connect() throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        s.setSoTimeout(200);
        return s;
    }

    private static void send(Socket s, String text) throws IOException {
        s.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
    }

    /** Reads until {@code marker} has arrived (or the bound passes), returning what was read. */
    private static String readUntil(Socket s, String marker, Duration bound) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        long deadline = System.nanoTime() + bound.toNanos();
        InputStream in = s.getInputStream();
        byte[] buf = new byte[8192];
        while (System.nanoTime() < deadline && !got.toString(StandardCharsets.UTF_8).contains(marker)) {
            try {
                int n = in.read(buf);
                if (n < 0) {
                    break;
                }
                got.write(buf, 0, n);
            } catch (SocketTimeoutException e) {
                // keep waiting until the bound
            }
        }
        return got.toString(StandardCharsets.UTF_8);
    }

    /** True if the server closes the connection within {@code bound} (whatever it sent before). */
    private static boolean closedWithin(Socket s, Duration bound) throws IOException {
        long deadline = System.nanoTime() + bound.toNanos();
        InputStream in = s.getInputStream();
        byte[] buf = new byte[8192];
        while (System.nanoTime() < deadline) {
            try {
                if (in.read(buf) < 0) {
                    return true;
                }
            } catch (SocketTimeoutException e) {
                // still open
            } catch (IOException reset) {
                return true;
            }
        }
        return false;
    }
}
