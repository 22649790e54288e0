package dev.shoal.node.tls;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * Trusts a peer only as the manager: its chain must validate to the cluster CA (with the delegate's hostname
 * checks) and its certificate's CN be {@link ClusterTls#MANAGER_CN}. Any other certificate the CA issued (a
 * node's) is refused, so a node, or whoever holds its key, cannot stand in for the manager.
 */
public final class ManagerTrust extends X509ExtendedTrustManager {
    private final X509ExtendedTrustManager ca;

    public ManagerTrust(X509TrustManager ca) {
        if (!(ca instanceof X509ExtendedTrustManager extended)) {
            throw new IllegalArgumentException("need an X509ExtendedTrustManager for hostname checks");
        }
        this.ca = extended;
    }

    /** Refuses a chain whose leaf is not the manager's. */
    public static void checkManager(X509Certificate[] chain) throws CertificateException {
        String cn = chain == null || chain.length == 0 ? "" : ClusterTls.commonName(chain[0]);
        if (!cn.equals(ClusterTls.MANAGER_CN)) {
            throw new CertificateException("the peer's certificate names \"" + cn + "\", not the manager (\""
                    + ClusterTls.MANAGER_CN + "\")");
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        ca.checkServerTrusted(chain, authType, socket);
        checkManager(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        ca.checkServerTrusted(chain, authType, engine);
        checkManager(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        ca.checkServerTrusted(chain, authType);
        checkManager(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        ca.checkClientTrusted(chain, authType, socket);
        checkManager(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        ca.checkClientTrusted(chain, authType, engine);
        checkManager(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        ca.checkClientTrusted(chain, authType);
        checkManager(chain);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return ca.getAcceptedIssuers();
    }
}
