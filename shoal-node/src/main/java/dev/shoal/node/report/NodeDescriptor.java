package dev.shoal.node.report;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** Who is reporting: Shoal's node ID, the node name, the address the manager reaches its engine at. */
public record NodeDescriptor(String nodeId, String name, String address, Map<String, String> labels) {
    public NodeDescriptor {
        labels = Collections.unmodifiableMap(new LinkedHashMap<>(labels));
    }
}
