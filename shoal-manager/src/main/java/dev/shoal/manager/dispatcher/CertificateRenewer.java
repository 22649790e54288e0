package dev.shoal.manager.dispatcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.manager.ca.ClusterSecurity;
import dev.shoal.manager.state.ClusterStore;
import dev.shoal.manager.state.Txn;
import dev.shoal.node.tls.ClusterTls;
import dev.shoal.node.tls.Pem;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /shoal/v1/certificates/renew}: a node authenticated by its current certificate (from the CA, valid,
 * not revoked, one the cluster issued to that node ID, the node not removed) sends a CSR for a new EC P-256 key and
 * gets a certificate for the same node ID and the same SANs, whatever the CSR asks for. The new serial is recorded
 * in {@code cert/issued/NODE_ID} in the same transaction that checks the node was not removed meanwhile.
 */
final class CertificateRenewer {
    private static final Logger log = LoggerFactory.getLogger(CertificateRenewer.class);
    private static final int MAX_BODY = 64 << 10;

    private final ClusterSecurity security;
    private final ClusterStore store;

    CertificateRenewer(ClusterSecurity security, ClusterStore store) {
        this.security = security;
        this.store = store;
    }

    ClusterReply handle(ClusterRequest ex) {
        if (!ex.method().equals("POST")) {
            return ClusterReply.error(405, "use POST");
        }
        NodeCertificates.Leaf checked = NodeCertificates.leaf(ex, security, store);
        if (checked.refusal() != null) {
            return ClusterReply.refusal(checked.refusal());
        }
        X509Certificate leaf = checked.cert();
        String nodeId = ClusterTls.commonName(leaf);
        String issuedKey = CertificateIssuer.ISSUED_PREFIX + nodeId;
        Optional<String> issuedJson = nodeId.equals(ClusterTls.MANAGER_CN) ? Optional.empty()
                : store.get(issuedKey);
        if (!Dispatcher.NODE_ID.matcher(nodeId).matches() || issuedJson.isEmpty()) {
            log.warn("refused to renew a certificate for \"{}\" from {}: not a node's", nodeId, ex.remote());
            return ClusterReply.error(403, "\"" + nodeId + "\" is not a node this cluster issued "
                    + "a certificate to");
        }
        ObjectNode issued = Revocations.parse(issuedJson.get());
        if (issued.path("removed").asBoolean(false) || Revocations.removed(store, nodeId)) {
            log.warn("refused to renew node {}'s certificate: the node was removed", nodeId);
            return ClusterReply.error(403, "node " + nodeId + " was removed from the cluster");
        }
        if (!Revocations.serials(issued).contains(Revocations.serial(leaf))) {
            return ClusterReply.error(403, "certificate " + Revocations.serial(leaf)
                    + " is not one the cluster issued to node " + nodeId + " lately");
        }
        Dispatcher.JsonOrReply read = Dispatcher.readJson(ex, MAX_BODY);
        if (read.refusal() != null) {
            return read.refusal();
        }
        JsonNode request = read.json();
        X509Certificate cert;
        try {
            cert = security.ca().signCsr(Pem.csr(request.path("csr").asText("")), nodeId,
                    NodeCertificates.sans(leaf));
        } catch (IOException | GeneralSecurityException e) {
            return ClusterReply.error(400, "invalid CSR: " + e.getMessage());
        }
        Optional<ObjectNode> next = Revocations.withSerial(issued, cert);
        if (next.isEmpty()) {
            return ClusterReply.error(429, "node " + nodeId + " holds " + Revocations.MAX_LIVE_SERIALS
                    + " unexpired certificates already");
        }
        Optional<String> conflict = store.commit(Txn.builder()
                .requireValue(issuedKey, issuedJson.get())
                .requireAbsent(Revocations.removedKey(nodeId))
                .requireAbsent(Revocations.revokedKey(Revocations.serial(leaf)))
                .put(issuedKey, next.get().toString())
                .build());
        if (conflict.isPresent()) {
            return ClusterReply.error(409, "node " + nodeId + "'s certificates changed meanwhile "
                    + "(removed, or renewed at the same time); try again");
        }
        log.info("renewed node {}'s certificate: serial {} valid until {} (was {})", nodeId,
                Revocations.serial(cert), cert.getNotAfter().toInstant(), Revocations.serial(leaf));
        return new ClusterReply(200, ClusterStore.JSON.createObjectNode()
                .put("certificate", Pem.encode(cert))
                .put("ca", Pem.encode(security.ca().certificate())));
    }
}
