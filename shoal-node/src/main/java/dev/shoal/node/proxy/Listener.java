package dev.shoal.node.proxy;

import dev.shoal.node.HostPort;
import dev.shoal.node.tls.ClusterTls;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.ServerSocketChannel;

/** Accepts the manager's connections to this node. The one place where the listening socket is made. */
public interface Listener extends Closeable {
    /** Blocks until the next connection; throws once closed. */
    Duplex accept() throws IOException;

    /** The address actually bound (the real port when 0 was asked for). */
    HostPort localAddress();

    /**
     * A mutual-TLS listener on {@code address}: presents {@code tls}'s certificate and accepts only clients whose
     * certificate chains to the cluster CA and names {@code peerCommonName}.
     */
    static Listener tls(HostPort address, ClusterTls tls, String peerCommonName) throws IOException {
        return TlsListener.open(address, tls, peerCommonName);
    }

    /** A plain TCP listener on {@code address} (only with --insecure-cluster). */
    static Listener tcp(HostPort address) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open();
        try {
            server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            server.bind(address.toSocketAddress(), 128);
        } catch (IOException e) {
            server.close();
            throw new IOException("cannot listen on " + address + ": " + e.getMessage(), e);
        }
        HostPort bound = address.withPort(((InetSocketAddress) server.getLocalAddress()).getPort());
        return new Listener() {
            @Override public Duplex accept() throws IOException {
                return Duplex.of(server.accept());
            }

            @Override public HostPort localAddress() {
                return bound;
            }

            @Override public void close() throws IOException {
                server.close();
            }
        };
    }
}
