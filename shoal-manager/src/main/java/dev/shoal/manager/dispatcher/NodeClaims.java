package dev.shoal.manager.dispatcher;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.Map;

/**
 * Sanity bounds on what a node reports of itself: a heartbeat outside them is refused, so a node (or whoever holds
 * its certificate) cannot claim a thousand cores to draw every placement, or flood the state with labels.
 */
final class NodeClaims {
    static final int MAX_NAME = 128;
    static final int MAX_LABELS = 256;
    static final int MAX_LABEL_KEY = 255;
    static final int MAX_LABEL_VALUE = 4096;
    /** More than any machine has today (the largest have a few hundred cores and tens of TiB). */
    static final int MAX_CPUS = 4096;
    static final long MAX_MEMORY = 1L << 50; // 1 PiB

    private NodeClaims() { }

    /** Null when the claims are within bounds, else why not. */
    static String outOfBounds(String name, Map<String, String> labels, JsonNode engineInfo) {
        if (name.length() > MAX_NAME) {
            return "node name longer than " + MAX_NAME + " characters";
        }
        if (labels.size() > MAX_LABELS) {
            return "more than " + MAX_LABELS + " node labels";
        }
        for (Map.Entry<String, String> l : labels.entrySet()) {
            if (l.getKey().isEmpty() || l.getKey().length() > MAX_LABEL_KEY || l.getValue().length() > MAX_LABEL_VALUE) {
                return "node label \"" + abbreviate(l.getKey()) + "\" is empty or too long (key at most "
                        + MAX_LABEL_KEY + ", value at most " + MAX_LABEL_VALUE + " characters)";
            }
        }
        if (engineInfo != null && engineInfo.isObject()) {
            JsonNode cpus = engineInfo.path("NCPU");
            if (!cpus.isMissingNode() && (!cpus.canConvertToInt() || cpus.asInt() < 1 || cpus.asInt() > MAX_CPUS)) {
                return "engine reports " + abbreviate(cpus.asText()) + " CPUs (1 to " + MAX_CPUS + " are believed)";
            }
            JsonNode memory = engineInfo.path("MemTotal");
            if (!memory.isMissingNode() && (!memory.canConvertToLong() || memory.asLong() < 1
                    || memory.asLong() > MAX_MEMORY)) {
                return "engine reports " + abbreviate(memory.asText()) + " bytes of memory (1 B to 1 PiB are believed)";
            }
        }
        return null;
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }
}
