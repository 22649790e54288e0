package dev.shoal.manager.dispatcher;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shoal.manager.ca.ClusterSecurity;
import dev.shoal.manager.state.ClusterStore;
import dev.shoal.node.tls.Pem;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /shoal/v1/certificates}: a node with the join token sends a CSR and gets back its certificate
 * (CN = node ID, SAN = its advertised host) and the CA. The token is compared in constant time and never logged.
 * A node ID is issued a certificate once: an ID the cluster already knows (a node's record, or a certificate issued
 * before) is refused with 409, so the token does not let anyone take over an existing node's identity. Only EC
 * P-256 keys are signed.
 */
final class CertificateIssuer {
    private static final Logger log = LoggerFactory.getLogger(CertificateIssuer.class);
    private static final int MAX_BODY = 64 << 10;
    private static final Pattern ADDRESS = Pattern.compile("(?:\\[([0-9a-fA-F:.]+)]|([a-zA-Z0-9._-]+)):\\d{1,5}");

    /** The key of the record that a certificate was issued to a node ID (written before the certificate is sent). */
    static final String ISSUED_PREFIX = "cert/issued/";

    private final ClusterSecurity security;
    private final dev.shoal.manager.state.ClusterStore store;

    CertificateIssuer(ClusterSecurity security, dev.shoal.manager.state.ClusterStore store) {
        this.security = security;
        this.store = store;
    }

    ClusterReply handle(ClusterRequest ex) {
        if (!ex.method().equals("POST")) {
            return ClusterReply.error(405, "use POST");
        }
        Dispatcher.JsonOrReply read = Dispatcher.readJson(ex, MAX_BODY);
        if (read.refusal() != null) {
            return read.refusal();
        }
        JsonNode request = read.json();
        if (!tokenMatches(request.path("token").asText(""))) {
            log.warn("refused a certificate to {}: invalid join token", ex.remote());
            return ClusterReply.error(401, "invalid join token");
        }
        return issue(ex, request);
    }

    /** The host of HOST:PORT or [IPv6]:PORT (port 0 allowed: a node may not know its port yet), or null. */
    static String hostOf(String address) {
        Matcher m = ADDRESS.matcher(address);
        if (!m.matches()) {
            return null;
        }
        return m.group(1) != null ? m.group(1) : m.group(2);
    }

    private boolean tokenMatches(String offered) {
        return MessageDigest.isEqual(security.token().text().getBytes(StandardCharsets.UTF_8),
                offered.strip().getBytes(StandardCharsets.UTF_8));
    }

    private ClusterReply issue(ClusterRequest ex, JsonNode request) {
        String nodeId = request.path("nodeId").asText("");
        if (!Dispatcher.NODE_ID.matcher(nodeId).matches()) {
            return ClusterReply.error(400, "invalid node ID");
        }
        String address = request.path("address").asText("");
        String host = hostOf(address);
        if (host == null) {
            return ClusterReply.error(400, "invalid address \"" + address + "\", want HOST:PORT");
        }
        X509Certificate cert;
        try {
            cert = security.ca().signCsr(Pem.csr(request.path("csr").asText("")), nodeId, List.of(host));
        } catch (IOException | GeneralSecurityException e) {
            return ClusterReply.error(400, "invalid CSR: " + e.getMessage());
        }
        // the ID is taken in the same step that checks it is free: two enrolments of one ID cannot both pass
        var claim = dev.shoal.manager.state.Txn.builder()
                .requireAbsent(dev.shoal.manager.state.NodeRecord.PREFIX + nodeId)
                .requireAbsent(ISSUED_PREFIX + nodeId)
                .put(ISSUED_PREFIX + nodeId, ClusterStore.JSON.createObjectNode().put("address", address)
                        .put("serial", cert.getSerialNumber().toString(16))
                        .put("issuedAtMillis", System.currentTimeMillis()).toString())
                .build();
        if (store.commit(claim).isPresent()) {
            log.warn("refused a certificate to {}: node ID {} is already in the cluster", ex.remote(), nodeId);
            return ClusterReply.error(409, "node ID " + nodeId + " is already in the cluster: a node "
                    + "that lost its certificate joins again under a new ID");
        }
        log.info("issued a certificate to node {} for {}", nodeId, host);
        return new ClusterReply(200, ClusterStore.JSON.createObjectNode()
                .put("certificate", Pem.encode(cert))
                .put("ca", Pem.encode(security.ca().certificate())));
    }
}
