package dev.shoal.manager.state;

/**
 * What the manager does with a container when its node is lost, as the user asked at create (desired state).
 * Classic Swarm's spellings: {@code -e reschedule:on-node-failure} or the label
 * {@code com.docker.swarm.reschedule-policies=["on-node-failure"]}; {@code off} is the default. A container with
 * the engine restart policy {@code always} or {@code unless-stopped} is meant to keep running, so it is rescheduled
 * too unless it says {@code off}.
 */
public enum ReschedulePolicy {
    OFF("off"),
    ON_NODE_FAILURE("on-node-failure");

    /** The label the policies are kept in on the engine's container, a JSON array of names. */
    public static final String LABEL = "com.docker.swarm.reschedule-policies";
    /** The environment entry's prefix, moved into {@link #LABEL} at create. */
    public static final String ENV_PREFIX = "reschedule:";

    private final String text;

    ReschedulePolicy(String text) {
        this.text = text;
    }

    /** The name users write. */
    public String text() {
        return text;
    }

    /**
     * The policy a name stands for.
     *
     * @throws IllegalArgumentException "invalid reschedule policy: NAME" for anything else
     */
    public static ReschedulePolicy of(String name) {
        for (ReschedulePolicy p : values()) {
            if (p.text.equals(name.trim())) {
                return p;
            }
        }
        throw new IllegalArgumentException("invalid reschedule policy: " + name);
    }
}
