package dev.shoal.manager.dispatcher;

import dev.shoal.manager.ca.ClusterSecurity;
import dev.shoal.node.tls.ClusterTls;
import java.security.GeneralSecurityException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Checks that a heartbeat comes with the certificate the cluster CA issued to the node it names, and that the
 * address it reports is one that certificate names.
 */
final class NodeCertificates {
    /** The TLS session attribute holding the leaf certificate already checked against the CA in that session. */
    private static final String CHECKED = "shoal.caChecked";

    private NodeCertificates() { }

    /** The caller's certificate, checked against the CA, or why there is none ("STATUS message"). */
    record Leaf(X509Certificate cert, String refusal) { }

    static Leaf leaf(ClusterRequest request, ClusterSecurity security, dev.shoal.manager.state.ClusterStore store) {
        javax.net.ssl.SSLSession session = request.session();
        if (session == null) {
            return new Leaf(null, "401 client certificate required");
        }
        Certificate[] chain;
        try {
            chain = session.getPeerCertificates();
        } catch (SSLPeerUnverifiedException e) {
            return new Leaf(null, "401 client certificate required");
        }
        if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
            return new Leaf(null, "401 client certificate required");
        }
        try {
            // the signature is checked once per TLS session (the handshake already checked the chain against the CA):
            // a kept-alive agent beats every 2 s on one session, and 5,000 nodes make 2,500 ECDSA verifications a second
            if (!leaf.equals(session.getValue(CHECKED))) {
                leaf.verify(security.ca().certificate().getPublicKey());
                session.putValue(CHECKED, leaf);
            }
            leaf.checkValidity();
        } catch (GeneralSecurityException e) {
            return new Leaf(null, "403 client certificate is not from this cluster's CA");
        }
        if (Revocations.revoked(store, leaf)) {
            return new Leaf(null, "403 client certificate " + Revocations.serial(leaf) + " was revoked (node "
                    + ClusterTls.commonName(leaf) + " was removed from the cluster)");
        }
        return new Leaf(leaf, null);
    }

    /**
     * Null when {@code leaf} is node {@code nodeId}'s certificate and names the host of {@code address} (HOST:PORT);
     * else "STATUS message". A node cannot point its record at another host than the one it enrolled for.
     */
    static String claimRefusal(X509Certificate leaf, String nodeId, String address) {
        String cn = ClusterTls.commonName(leaf);
        if (!cn.equals(nodeId)) {
            return "403 client certificate belongs to node \"" + cn + "\", not \"" + nodeId + "\"";
        }
        String host = CertificateIssuer.hostOf(address);
        if (host == null) {
            return "400 invalid node address \"" + address + "\", want HOST:PORT";
        }
        if (!names(leaf, host)) {
            return "403 address " + address + " is not one node " + nodeId + "'s certificate names (it names "
                    + String.join(", ", sans(leaf)) + ")";
        }
        return null;
    }

    /** The certificate's DNS and IP subject alternative names. */
    static java.util.List<String> sans(X509Certificate cert) {
        java.util.List<String> out = new java.util.ArrayList<>();
        try {
            var all = cert.getSubjectAlternativeNames();
            if (all != null) {
                for (var san : all) {
                    Object type = san.get(0);
                    if ((Integer.valueOf(2).equals(type) || Integer.valueOf(7).equals(type)) && san.get(1) instanceof String v) {
                        out.add(v);
                    }
                }
            }
        } catch (java.security.cert.CertificateParsingException e) {
            return out;
        }
        return out;
    }

    /** Whether {@code host} (a name, or an IP literal in any spelling) is among the certificate's names. */
    static boolean names(X509Certificate cert, String host) {
        for (String san : sans(cert)) {
            if (san.equalsIgnoreCase(host) || sameIp(san, host)) {
                return true;
            }
        }
        return false;
    }

    private static boolean sameIp(String a, String b) {
        if (!a.matches("[0-9a-fA-F:.]+") || !b.matches("[0-9a-fA-F:.]+") || !(a.contains(":") || a.matches("[0-9.]+"))) {
            return false;
        }
        try {
            // IP literals only (checked above): no name is looked up
            return java.net.InetAddress.getByName(a).equals(java.net.InetAddress.getByName(b));
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

}
