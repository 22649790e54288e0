package dev.shoal.manager.proxy;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * docker exec's hijack through the whole chain over mutual TLS: client → manager (unix socket) → Netty
 * {@link EngineProxy} with TLS → agent's TLS listener → engine. After the 101 the client half-closes and still
 * reads the engine's last words.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsUpgradeRelayTest {
    @TempDir Path dir;

    @Test
    void anUpgradedExecRelaysBothWaysAndKeepsHalfCloseOverTls() throws Exception {
        Path socket = dir.resolve("docker.sock");
        ManagerConfig config = new ManagerConfig(List.of(socket), List.of(), null,
                new InetSocketAddress("127.0.0.1", freePort()), dir.resolve("manager"), freePort(), "spread", false);
        try (RawEngine engine = new RawEngine(); Manager manager = Manager.start(config)) {
            JoinToken token = JoinToken.parse(Files.readString(dir.resolve("manager/ca/join-token")));
            AgentConfig agentConfig = new AgentConfig(new HostPort("127.0.0.1", config.clusterListen().getPort()),
                    "node1", EngineAddress.parse("tcp://127.0.0.1:" + engine.port()), new HostPort("127.0.0.1", 0),
                    Map.of(), dir.resolve("agent"), token, false);
            try (Agent agent = Agent.start(agentConfig)) {
                awaitHealthy(manager);
                try (SocketChannel client = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                    client.connect(UnixDomainSocketAddress.of(socket));
                    byte[] body = "{\"Detach\":false,\"Tty\":false}".getBytes(StandardCharsets.US_ASCII);
                    write(client, "POST /v1.41/exec/" + RawEngine.EXEC_ID + "/start HTTP/1.1\r\nHost: docker\r\n"
                            + "Connection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\n"
                            + "Content-Length: " + body.length + "\r\n\r\n" + new String(body, StandardCharsets.US_ASCII));
                    InputStream in = Channels.newInputStream(client);
                    String head = RawEngine.readHead(in);
                    assertThat(head).startsWith("HTTP/1.1 101");

                    write(client, "hello");
                    assertThat(new String(in.readNBytes(5), StandardCharsets.US_ASCII)).isEqualTo("hello");
                    client.shutdownOutput();
                    assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("bye");
                }
            }
        }
    }

    private static void awaitHealthy(Manager manager) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (manager.dispatcher().healthyNodes().isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no healthy node: " + manager.dispatcher().nodes());
            }
            Thread.sleep(50);
        }
    }

    private static void write(SocketChannel ch, String text) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
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
