package dev.shoal.manager.state;

/**
 * What a container's node last reported of it (observed state), beside its {@link ContainerRecord} (desired
 * state): its engine's state, exit code, and when that state began. Written by one writer, the observed-state loop
 * ({@code views/ObservedStates}), from the node's event-fed view; only for a container whose record names that node
 * and, once known, that engine ID — so an old copy on a node that comes back never overwrites the copy in use.
 * It survives a manager restart, so a lost node's containers are still known as they were last seen.
 *
 * @param status    the engine's {@code State.Status}: created, running, paused, restarting, removing, exited, dead
 * @param exitCode  the last exit code (0 while it never exited)
 * @param sinceMillis when the state began by the engine's clock (StartedAt while running, FinishedAt once exited),
 *                  0 when the engine gave no time
 */
public record ContainerObserved(String swarmId, String nodeId, String engineId, String status, int exitCode,
                                long sinceMillis) {
    public static final String PREFIX = "containerstate/";

    public static String key(String swarmId) {
        return PREFIX + swarmId;
    }

    public String key() {
        return key(swarmId);
    }

    /** Running (paused and restarting containers are running, as the engine counts them). */
    public boolean running() {
        return status.equals("running") || status.equals("paused") || status.equals("restarting");
    }
}
