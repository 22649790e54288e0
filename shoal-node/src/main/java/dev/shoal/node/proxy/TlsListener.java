package dev.shoal.node.proxy;

import dev.shoal.node.HostPort;
import dev.shoal.node.tls.ClusterTls;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/** TLS 1.3 with required client certificates; each connection's handshake runs in {@link Duplex#establish()}. */
final class TlsListener implements Listener {
    private static final int HANDSHAKE_TIMEOUT_MILLIS = 10_000;

    private final SSLServerSocket server;
    private final HostPort bound;
    private final String peerCommonName;

    private TlsListener(SSLServerSocket server, HostPort bound, String peerCommonName) {
        this.server = server;
        this.bound = bound;
        this.peerCommonName = peerCommonName;
    }

    static TlsListener open(HostPort address, ClusterTls tls, String peerCommonName) throws IOException {
        SSLServerSocket server = (SSLServerSocket) tls.sslContext().getServerSocketFactory().createServerSocket();
        try {
            server.setReuseAddress(true);
            server.bind(address.toSocketAddress(), 128);
        } catch (IOException e) {
            server.close();
            throw new IOException("cannot listen on " + address + ": " + e.getMessage(), e);
        }
        server.setEnabledProtocols(new String[] {ClusterTls.PROTOCOL});
        server.setNeedClientAuth(true);
        HostPort bound = address.withPort(((InetSocketAddress) server.getLocalSocketAddress()).getPort());
        return new TlsListener(server, bound, peerCommonName);
    }

    @Override public Duplex accept() throws IOException {
        return new TlsDuplex((SSLSocket) server.accept(), peerCommonName);
    }

    @Override public HostPort localAddress() {
        return bound;
    }

    @Override public void close() throws IOException {
        server.close();
    }

    /** One accepted TLS connection. Reads and writes may run on two threads at once; SSLSocket allows it. */
    private static final class TlsDuplex implements Duplex {
        private final SSLSocket socket;
        private final String peerCommonName;
        private InputStream in;
        private OutputStream out;

        TlsDuplex(SSLSocket socket, String peerCommonName) {
            this.socket = socket;
            this.peerCommonName = peerCommonName;
        }

        @Override public void establish() throws IOException {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(HANDSHAKE_TIMEOUT_MILLIS);
            try {
                socket.startHandshake();
            } catch (SocketTimeoutException e) {
                throw new IOException("TLS handshake timed out", e);
            }
            socket.setSoTimeout(0);
            String cn = peerCommonName();
            if (!cn.equals(peerCommonName)) {
                throw new SSLPeerUnverifiedException("client certificate names \"" + cn + "\", want \""
                        + peerCommonName + "\"");
            }
            in = socket.getInputStream();
            out = socket.getOutputStream();
        }

        private String peerCommonName() throws SSLPeerUnverifiedException {
            Certificate[] chain = socket.getSession().getPeerCertificates();
            return chain.length > 0 && chain[0] instanceof X509Certificate leaf ? ClusterTls.commonName(leaf) : "";
        }

        @Override public int read(ByteBuffer dst) throws IOException {
            int n = in.read(dst.array(), dst.arrayOffset() + dst.position(), dst.remaining());
            if (n > 0) {
                dst.position(dst.position() + n);
            }
            return n;
        }

        @Override public void write(ByteBuffer src) throws IOException {
            out.write(src.array(), src.arrayOffset() + src.position(), src.remaining());
            out.flush();
            src.position(src.limit());
        }

        /** Sends close_notify (TLS 1.3 keeps the other direction open), then FIN. */
        @Override public void shutdownOutput() throws IOException {
            socket.shutdownOutput();
        }

        @Override public void close() throws IOException {
            socket.close();
        }

        @Override public String toString() {
            return "tls " + socket.getRemoteSocketAddress();
        }
    }
}
