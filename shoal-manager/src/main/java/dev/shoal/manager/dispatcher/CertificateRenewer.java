package dev.shoal.manager.dispatcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
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
final class CertificateRenewer implements HttpHandler {
    private static final Logger log = LoggerFactory.getLogger(CertificateRenewer.class);
    private static final int MAX_BODY = 64 << 10;

    private final ClusterSecurity security;
    private final ClusterStore store;

    CertificateRenewer(ClusterSecurity security, ClusterStore store) {
        this.security = security;
        this.store = store;
    }

    @Override
    public void handle(HttpExchange ex) throws IOException {
        try (ex) {
            if (!ex.getRequestMethod().equals("POST")) {
                Dispatcher.reply(ex, 405, Dispatcher.error("use POST"));
                return;
            }
            NodeCertificates.Leaf checked = NodeCertificates.leaf(ex, security, store);
            if (checked.refusal() != null) {
                Dispatcher.refuse(ex, checked.refusal());
                return;
            }
            X509Certificate leaf = checked.cert();
            String nodeId = ClusterTls.commonName(leaf);
            String issuedKey = CertificateIssuer.ISSUED_PREFIX + nodeId;
            Optional<String> issuedJson = nodeId.equals(ClusterTls.MANAGER_CN) ? Optional.empty()
                    : store.get(issuedKey);
            if (!Dispatcher.NODE_ID.matcher(nodeId).matches() || issuedJson.isEmpty()) {
                log.warn("refused to renew a certificate for \"{}\" from {}: not a node's", nodeId, ex.getRemoteAddress());
                Dispatcher.reply(ex, 403, Dispatcher.error("\"" + nodeId + "\" is not a node this cluster issued "
                        + "a certificate to"));
                return;
            }
            ObjectNode issued = Revocations.parse(issuedJson.get());
            if (issued.path("removed").asBoolean(false) || Revocations.removed(store, nodeId)) {
                log.warn("refused to renew node {}'s certificate: the node was removed", nodeId);
                Dispatcher.reply(ex, 403, Dispatcher.error("node " + nodeId + " was removed from the cluster"));
                return;
            }
            if (!Revocations.serials(issued).contains(Revocations.serial(leaf))) {
                Dispatcher.reply(ex, 403, Dispatcher.error("certificate " + Revocations.serial(leaf)
                        + " is not one the cluster issued to node " + nodeId + " lately"));
                return;
            }
            JsonNode request = Dispatcher.readJson(ex, MAX_BODY);
            if (request == null) {
                return;
            }
            X509Certificate cert;
            try {
                cert = security.ca().signCsr(Pem.csr(request == null ? "" : request.path("csr").asText("")), nodeId,
                        NodeCertificates.sans(leaf));
            } catch (IOException | GeneralSecurityException e) {
                Dispatcher.reply(ex, 400, Dispatcher.error("invalid CSR: " + e.getMessage()));
                return;
            }
            Optional<ObjectNode> next = Revocations.withSerial(issued, cert);
            if (next.isEmpty()) {
                Dispatcher.reply(ex, 429, Dispatcher.error("node " + nodeId + " holds " + Revocations.MAX_LIVE_SERIALS
                        + " unexpired certificates already"));
                return;
            }
            Optional<String> conflict = store.commit(Txn.builder()
                    .requireValue(issuedKey, issuedJson.get())
                    .requireAbsent(Revocations.removedKey(nodeId))
                    .requireAbsent(Revocations.revokedKey(Revocations.serial(leaf)))
                    .put(issuedKey, next.get().toString())
                    .build());
            if (conflict.isPresent()) {
                Dispatcher.reply(ex, 409, Dispatcher.error("node " + nodeId + "'s certificates changed meanwhile "
                        + "(removed, or renewed at the same time); try again"));
                return;
            }
            log.info("renewed node {}'s certificate: serial {} valid until {} (was {})", nodeId,
                    Revocations.serial(cert), cert.getNotAfter().toInstant(), Revocations.serial(leaf));
            Dispatcher.reply(ex, 200, ClusterStore.JSON.createObjectNode()
                    .put("certificate", Pem.encode(cert))
                    .put("ca", Pem.encode(security.ca().certificate())));
        }
    }
}
