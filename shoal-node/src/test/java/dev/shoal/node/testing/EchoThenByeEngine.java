package dev.shoal.node.testing;

import dev.shoal.node.engine.EngineAddress;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** An engine stand-in on a unix socket: echoes until the client's EOF, then says "bye" and closes. */
public final class EchoThenByeEngine implements AutoCloseable {
    private final ServerSocketChannel server;
    private final Path socket;

    public EchoThenByeEngine(Path socket) throws IOException {
        this.socket = socket;
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(UnixDomainSocketAddress.of(socket));
        Thread.ofVirtual().start(this::serve);
    }

    public EngineAddress address() {
        return EngineAddress.parse("unix://" + socket);
    }

    private void serve() {
        while (server.isOpen()) {
            try {
                SocketChannel conn = server.accept();
                Thread.ofVirtual().start(() -> echoThenBye(conn));
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void echoThenBye(SocketChannel conn) {
        try (conn) {
            ByteBuffer buf = ByteBuffer.allocate(8192);
            while (conn.read(buf) >= 0) {
                buf.flip();
                while (buf.hasRemaining()) {
                    conn.write(buf);
                }
                buf.clear();
            }
            conn.write(ByteBuffer.wrap("bye".getBytes(StandardCharsets.US_ASCII)));
        } catch (IOException ignored) {
            // the test decides
        }
    }

    @Override public void close() throws IOException {
        server.close();
    }
}
