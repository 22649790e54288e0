package dev.shoal.manager.dispatcher;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsExchange;
import dev.shoal.manager.ca.ClusterSecurity;
import dev.shoal.node.tls.ClusterTls;
import java.security.GeneralSecurityException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;

/** Checks that a heartbeat comes with the certificate the cluster CA issued to the node it names. */
final class NodeCertificates {
    private NodeCertificates() { }

    /** Null when the exchange's client certificate is the CA's certificate for {@code nodeId}; else "STATUS message". */
    static String refusal(HttpExchange ex, ClusterSecurity security, String nodeId) {
        if (!(ex instanceof HttpsExchange https)) {
            return "401 client certificate required";
        }
        Certificate[] chain;
        try {
            chain = https.getSSLSession().getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return "401 client certificate required";
        }
        if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
            return "401 client certificate required";
        }
        try {
            leaf.verify(security.ca().certificate().getPublicKey());
            leaf.checkValidity();
        } catch (GeneralSecurityException e) {
            return "403 client certificate is not from this cluster's CA";
        }
        String cn = ClusterTls.commonName(leaf);
        if (!cn.equals(nodeId)) {
            return "403 client certificate belongs to node \"" + cn + "\", not \"" + nodeId + "\"";
        }
        return null;
    }
}
