package dev.shoal.manager.state;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A network created through the manager: it exists on every node under its plain name (a local-scope network per
 * engine, each copy labelled {@value #LABEL} with this ID), and on nodes that join later.
 *
 * @param spec the create body, replayed on nodes that lack a copy
 */
public record NetworkRecord(String id, String name, String driver, JsonNode spec, long createdAtMillis) {
    public static final String PREFIX = "network/";
    /** The label on every engine's copy: the cluster network's ID. */
    public static final String LABEL = "shoal.network.id";

    public String key() {
        return PREFIX + id;
    }

    public static String nameKey(String name) {
        return "network-name/" + name;
    }
}
