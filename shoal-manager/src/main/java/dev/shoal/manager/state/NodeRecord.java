package dev.shoal.manager.state;

import java.util.Map;

/** A node the cluster knows, as committed to the state: identity, where to reach its engine, its labels. */
public record NodeRecord(String id, String name, String address, Map<String, String> labels, long joinedAtMillis) {
    public static final String PREFIX = "node/";
    /** {@code nodename/NAME} holds the ID of the node with that name: names are unique by a precondition on it. */
    public static final String NAME_PREFIX = "nodename/";

    public static String nameKey(String name) {
        return NAME_PREFIX + name;
    }

    public NodeRecord {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
    }

    public String key() {
        return PREFIX + id;
    }

    /** The host part of {@link #address}, e.g. 10.213.0.11. */
    public String ip() {
        int colon = address.lastIndexOf(':');
        return colon < 0 ? address : address.substring(0, colon);
    }
}
