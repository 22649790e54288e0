package dev.shoal.manager.ca;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.function.BiFunction;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

import dev.shoal.node.tls.ClusterTls;

/**
 * How the manager trusts a node it dials: the chain must come from the cluster CA and name the host dialled (the
 * CA trust manager's own checks), and its CN must be the ID of the node registered at that host and port. A node's
 * certificate presented at another node's address (its record pointed there, or a stolen key on another host) is
 * refused before a byte of a call is sent.
 */
public final class NodePeerTrust extends X509ExtendedTrustManager {
    private final X509ExtendedTrustManager ca;
    private final BiFunction<String, Integer, Optional<String>> nodeIdAt;

    /**
     * @param ca       trusts the cluster CA alone (and does hostname checks when given the engine)
     * @param nodeIdAt the ID of the node registered at host and port, if any
     */
    public NodePeerTrust(X509TrustManager ca, BiFunction<String, Integer, Optional<String>> nodeIdAt) {
        if (!(ca instanceof X509ExtendedTrustManager extended)) {
            throw new IllegalArgumentException("need an X509ExtendedTrustManager for hostname checks");
        }
        this.ca = extended;
        this.nodeIdAt = nodeIdAt;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        ca.checkServerTrusted(chain, authType, engine);
        checkNode(chain, engine.getPeerHost(), engine.getPeerPort());
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        ca.checkServerTrusted(chain, authType, socket);
        var remote = socket.getRemoteSocketAddress() instanceof java.net.InetSocketAddress a ? a : null;
        checkNode(chain, remote == null ? null : remote.getHostString(), remote == null ? -1 : remote.getPort());
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("a node's certificate is checked against the address dialled");
    }

    void checkNode(X509Certificate[] chain, String host, int port) throws CertificateException {
        if (host == null || port <= 0) {
            throw new CertificateException("no node address to check the certificate against");
        }
        String expected = nodeIdAt.apply(host, port).orElseThrow(() ->
                new CertificateException("no node is registered at " + host + ":" + port));
        String cn = ClusterTls.commonName(chain[0]);
        if (!cn.equals(expected)) {
            throw new CertificateException("the certificate at " + host + ":" + port + " is node " + cn
                    + "'s, but node " + expected + " is registered there");
        }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        throw new CertificateException("the manager only dials nodes");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        throw new CertificateException("the manager only dials nodes");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("the manager only dials nodes");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return ca.getAcceptedIssuers();
    }
}
