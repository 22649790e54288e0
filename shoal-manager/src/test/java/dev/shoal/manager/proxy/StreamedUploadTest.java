package dev.shoal.manager.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.shoal.manager.Manager;
import dev.shoal.manager.ManagerConfig;
import dev.shoal.node.Agent;
import dev.shoal.node.AgentConfig;
import dev.shoal.node.HostPort;
import dev.shoal.node.engine.EngineAddress;
import dev.shoal.node.tls.JoinToken;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * docker cp in over mutual TLS through manager and agent, against an engine stand-in: a streamed upload leaves its
 * node connection for the next call (a second copy pays no new TCP and TLS handshake), and a broken one never reaches
 * the engine as if it were whole.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StreamedUploadTest {
    @TempDir Path dir;

    @Test
    void aStreamedUploadKeepsItsNodeConnectionForTheNextCall() throws Exception {
        Path socket = dir.resolve("docker.sock");
        ManagerConfig config = new ManagerConfig(List.of(socket), List.of(), null,
                new InetSocketAddress("127.0.0.1", freePort()), dir.resolve("manager"), freePort(), "spread", false);
        try (KeepAliveEngine engine = new KeepAliveEngine(); Manager manager = Manager.start(config)) {
            JoinToken token = JoinToken.parse(Files.readString(dir.resolve("manager/ca/join-token")));
            AgentConfig agentConfig = new AgentConfig(new HostPort("127.0.0.1", config.clusterListen().getPort()),
                    "node1", EngineAddress.parse("tcp://127.0.0.1:" + engine.port()), new HostPort("127.0.0.1", 0),
                    Map.of(), dir.resolve("agent"), token, false);
            try (Agent agent = Agent.start(agentConfig);
                    SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                awaitHealthy(manager);
                client.connect(UnixDomainSocketAddress.of(socket));
                InputStream in = Channels.newInputStream(client);
                for (int copy = 0; copy < 2; copy++) {
                    putChunked(client, KeepAliveEngine.CONTAINER_ID, 3, 100_000);
                    String head = RawEngine.readHead(in);
                    assertThat(head).startsWith("HTTP/1.1 200");
                    in.readNBytes(contentLength(head));
                }
            }
            List<KeepAliveEngine.Seen> uploads = engine.seen().stream()
                    .filter(s -> s.requestLine().startsWith("PUT ") && s.requestLine().contains("/archive"))
                    .toList();
            assertThat(uploads).hasSize(2).allSatisfy(s -> assertThat(s.bodyBytes()).isEqualTo(300_000));
            assertThat(uploads.get(1).connection()).as("the second upload came on the first one's connection")
                    .isEqualTo(uploads.get(0).connection());
        }
    }

    @Test
    void aBrokenChunkIsRefusedAndTheEngineSeesTheUploadCutOffNotComplete() throws Exception {
        Path socket = dir.resolve("docker.sock");
        ManagerConfig config = new ManagerConfig(List.of(socket), List.of(), null,
                new InetSocketAddress("127.0.0.1", freePort()), dir.resolve("manager"), freePort(), "spread", false);
        try (KeepAliveEngine engine = new KeepAliveEngine(); Manager manager = Manager.start(config)) {
            JoinToken token = JoinToken.parse(Files.readString(dir.resolve("manager/ca/join-token")));
            AgentConfig agentConfig = new AgentConfig(new HostPort("127.0.0.1", config.clusterListen().getPort()),
                    "node1", EngineAddress.parse("tcp://127.0.0.1:" + engine.port()), new HostPort("127.0.0.1", 0),
                    Map.of(), dir.resolve("agent"), token, false);
            try (Agent agent = Agent.start(agentConfig);
                    SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                awaitHealthy(manager);
                client.connect(UnixDomainSocketAddress.of(socket));
                InputStream in = Channels.newInputStream(client);
                write(client, ("PUT /v1.41/containers/" + KeepAliveEngine.CONTAINER_ID + "/archive?path=%2Ftmp HTTP/1.1\r\n"
                        + "Host: docker\r\nContent-Type: application/x-tar\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "4\r\ntar!\r\nnot-a-size\r\n").getBytes(StandardCharsets.US_ASCII));
                String head = RawEngine.readHead(in);
                assertThat(head).startsWith("HTTP/1.1 400");
                assertThat(new String(in.readNBytes(contentLength(head)), StandardCharsets.US_ASCII))
                        .contains("malformed HTTP request body");
                assertThat(in.read()).as("the connection ends").isEqualTo(-1);
            }
            assertThat(engine.seen()).noneMatch(s -> s.requestLine().startsWith("PUT "));
        }
    }

    /** A PUT /containers/{id}/archive with a chunked body, as the docker CLI sends it. */
    private static void putChunked(SocketChannel ch, String container, int chunks, int chunkSize) throws IOException {
        write(ch, ("PUT /v1.41/containers/" + container + "/archive?path=%2Ftmp HTTP/1.1\r\nHost: docker\r\n"
                + "Content-Type: application/x-tar\r\nTransfer-Encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        byte[] data = new byte[chunkSize];
        for (int i = 0; i < chunks; i++) {
            write(ch, (Integer.toHexString(chunkSize) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            write(ch, data);
            write(ch, "\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        write(ch, "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    }

    private static int contentLength(String head) {
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                return Integer.parseInt(line.substring(line.indexOf(':') + 1).strip());
            }
        }
        return 0;
    }

    private static void awaitHealthy(Manager manager) {
        await().atMost(Duration.ofSeconds(20)).until(() -> !manager.dispatcher().healthyNodes().isEmpty());
    }

    private static void write(SocketChannel ch, byte[] bytes) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
