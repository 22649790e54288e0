package dev.shoal.node.tls;

import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.X509TrustManager;

/**
 * Trusts a server only if the chain it presents contains a CA certificate whose sha256 equals the join token's
 * digest, and the chain validates up to that CA. Used once, to fetch a node's certificate before it has the CA.
 */
public final class PinnedCaTrustManager implements X509TrustManager {
    private final String caDigest;

    public PinnedCaTrustManager(String caDigest) {
        this.caDigest = caDigest;
    }

    @Override public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        if (chain == null || chain.length == 0) {
            throw new CertificateException("the manager presented no certificate");
        }
        for (X509Certificate candidate : chain) {
            if (JoinToken.digest(candidate).equals(caDigest)) {
                ClusterTls.trusting(candidate).checkServerTrusted(chain, authType);
                return;
            }
        }
        throw new CertificateException("the manager's CA does not match the join token's digest");
    }

    @Override public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("a pinned client trusts no clients");
    }

    @Override public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
