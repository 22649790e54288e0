package dev.shoal.manager.state;

/**
 * A container created through the manager. {@code swarmId} is the cluster-wide ID (also in the label
 * {@code com.docker.swarm.id}); {@code engineId} is set once the node's engine has created it.
 */
public record ContainerRecord(String swarmId, String name, String nodeId, String engineId, String image,
                              long memoryBytes, long nanoCpus, long createdAtMillis) {
    public static final String PREFIX = "container/";
    public static final String NAME_PREFIX = "name/";
    /** The engine label carrying the cluster-wide ID, as classic Swarm named it. */
    public static final String SWARM_ID_LABEL = "com.docker.swarm.id";

    public String key() {
        return PREFIX + swarmId;
    }

    public static String nameKey(String name) {
        return NAME_PREFIX + name;
    }

    public ContainerRecord withEngineId(String id) {
        return new ContainerRecord(swarmId, name, nodeId, id, image, memoryBytes, nanoCpus, createdAtMillis);
    }

    public ContainerRecord withName(String newName) {
        return new ContainerRecord(swarmId, newName, nodeId, engineId, image, memoryBytes, nanoCpus, createdAtMillis);
    }
}
