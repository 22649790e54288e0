package dev.shoal.manager.dispatcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.manager.state.ClusterStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What the replicated store says of certificates: {@code cert/issued/NODE_ID} holds the serials issued to a node ID
 * (the newest as {@code serial}, the ones not yet expired in {@code serials}) and whether the node was removed;
 * {@code cert/revoked/SERIAL} marks a certificate that is refused from then on; {@code noderemoved/NODE_ID} marks
 * a node removed from the cluster (its heartbeats are refused, with or without certificates).
 */
public final class Revocations {
    static final String REVOKED_PREFIX = "cert/revoked/";
    static final String REMOVED_PREFIX = "noderemoved/";
    /** At most this many unexpired certificates per node: renewal past it is refused until some expire. */
    static final int MAX_LIVE_SERIALS = 100;

    private Revocations() { }

    static String revokedKey(String serialHex) {
        return REVOKED_PREFIX + serialHex;
    }

    static String removedKey(String nodeId) {
        return REMOVED_PREFIX + nodeId;
    }

    static String serial(X509Certificate cert) {
        return cert.getSerialNumber().toString(16);
    }

    public static boolean revoked(ClusterStore store, X509Certificate cert) {
        return store.get(revokedKey(serial(cert))).isPresent();
    }

    public static boolean removed(ClusterStore store, String nodeId) {
        return store.get(removedKey(nodeId)).isPresent();
    }

    static ObjectNode parse(String json) {
        try {
            return (ObjectNode) ClusterStore.JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every serial the record names (the newest and the unexpired ones). */
    static List<String> serials(ObjectNode issued) {
        List<String> out = new ArrayList<>();
        if (issued.hasNonNull("serial")) {
            out.add(issued.get("serial").asText());
        }
        for (JsonNode s : issued.path("serials")) {
            String serial = s.path("serial").asText("");
            if (!serial.isEmpty() && !out.contains(serial)) {
                out.add(serial);
            }
        }
        return out;
    }

    /** The issued record with {@code cert} added as the newest, expired entries dropped; empty when full. */
    static Optional<ObjectNode> withSerial(ObjectNode issued, X509Certificate cert) {
        ObjectNode next = issued.deepCopy();
        ArrayNode live = ClusterStore.JSON.createArrayNode();
        long now = System.currentTimeMillis();
        if (!issued.has("serials") && issued.hasNonNull("serial")) {
            // a record from before renewal: its certificate's expiry is not known, keep it for a year
            live.addObject().put("serial", issued.get("serial").asText())
                    .put("notAfterMillis", issued.path("issuedAtMillis").asLong(now) + 366L * 24 * 3600 * 1000);
        }
        for (JsonNode s : issued.path("serials")) {
            if (s.path("notAfterMillis").asLong(0) > now) {
                live.add(s);
            }
        }
        if (live.size() >= MAX_LIVE_SERIALS) {
            return Optional.empty();
        }
        live.addObject().put("serial", serial(cert)).put("notAfterMillis", cert.getNotAfter().getTime());
        next.put("serial", serial(cert));
        next.set("serials", live);
        next.put("renewedAtMillis", now);
        return Optional.of(next);
    }
}
