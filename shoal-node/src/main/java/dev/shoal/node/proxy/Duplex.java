package dev.shoal.node.proxy;

import java.io.Closeable;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * One end of a relayed connection: blocking reads and writes plus half-close.
 * Plain sockets are {@link SocketChannel}s; a TLS end can implement this over an {@code SSLSocket}.
 */
public interface Duplex extends Closeable {
    /** Reads into {@code dst}; -1 at end of stream. */
    int read(ByteBuffer dst) throws IOException;

    /** Writes all of {@code src}, blocking as long as needed (back-pressure). */
    void write(ByteBuffer src) throws IOException;

    /** Ends this side's output (sends FIN) and keeps the input open. */
    void shutdownOutput() throws IOException;

    /** Completes a handshake and checks the peer before any byte is relayed; plain ends have nothing to do. */
    default void establish() throws IOException {
    }

    /** Wraps a connected blocking channel; sets TCP_NODELAY on TCP channels. */
    static Duplex of(SocketChannel channel) throws IOException {
        if (channel.supportedOptions().contains(StandardSocketOptions.TCP_NODELAY)) {
            channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        }
        return new Duplex() {
            @Override public int read(ByteBuffer dst) throws IOException {
                return channel.read(dst);
            }

            @Override public void write(ByteBuffer src) throws IOException {
                while (src.hasRemaining()) {
                    channel.write(src);
                }
            }

            @Override public void shutdownOutput() throws IOException {
                channel.shutdownOutput();
            }

            @Override public void close() throws IOException {
                channel.close();
            }

            @Override public String toString() {
                return String.valueOf(channel);
            }
        };
    }
}
