package dev.shoal.node.tls;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trusts a server only if the chain it presents contains a CA certificate whose sha256 equals the join token's
 * digest, and the chain validates up to that CA (with the host name checks the connection asks for). Used once, to
 * fetch a node's certificate before it has the CA.
 */
public final class PinnedCaTrustManager extends X509ExtendedTrustManager {
    private final String caDigest;

    public PinnedCaTrustManager(String caDigest) {
        this.caDigest = caDigest;
    }

    /** A trust manager anchored at the chain's CA certificate that matches the digest. */
    private X509ExtendedTrustManager pinned(X509Certificate[] chain) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("the manager presented no certificate");
        }
        for (X509Certificate candidate : chain) {
            if (JoinToken.digest(candidate).equals(caDigest)
                    && ClusterTls.trusting(candidate) instanceof X509ExtendedTrustManager extended) {
                return extended;
            }
        }
        throw new CertificateException("the manager's CA does not match the join token's digest");
    }

    @Override public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        pinned(chain).checkServerTrusted(chain, authType);
    }

    @Override public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        pinned(chain).checkServerTrusted(chain, authType, engine);
    }

    @Override public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        pinned(chain).checkServerTrusted(chain, authType, socket);
    }

    @Override public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("a pinned client trusts no clients");
    }

    @Override public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
