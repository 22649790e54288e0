package dev.shoal.manager.state;

/**
 * A node's observed state as the cluster decided it: up or down, since when, and why. Written by one place only
 * (the dispatcher's {@code NodeHealthMonitor}), so "node went down" is one committed moment every manager and loop
 * sees as a {@link StateEvent.NodeTransition}.
 */
public record NodeState(String nodeId, boolean up, long sinceMillis, String reason) {
    public static final String PREFIX = "nodestate/";

    public static String key(String nodeId) {
        return PREFIX + nodeId;
    }

    public String key() {
        return key(nodeId);
    }
}
