package dev.shoal.manager.state;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A container created through the manager. {@code swarmId} is the cluster-wide ID (also in the label
 * {@code com.docker.swarm.id}); {@code engineId} is set once the node's engine has created it.
 *
 * <p>{@code spec} is the desired container: the create body as the user sent it (with the swarm ID label), kept for
 * the record's whole life so it can be made again. Three states: <b>pending</b> ({@code nodeId == null}: no node
 * fits yet; the spec is replayed once one does, {@code pendingReason} the scheduler's explanation);
 * <b>placed</b> ({@code nodeId} set, {@code engineId} not yet: the engine is creating it); <b>created</b> (both set).
 * A placed or created record holds its node's reservation ({@code memoryBytes}, {@code nanoCpus}) and host ports.
 * What the node last reported of the container (running, exited) is not here but in its {@link ContainerObserved}
 * record, written by another writer.
 *
 * @param createdAtMillis when the record was made, or last placed (the reconciler's grace period counts from it)
 * @param labels          the container's labels (affinities match them)
 * @param ports           host ports it binds, as {@code 80/tcp}
 * @param desiredRunning  the run state the user last asked through the manager: true after a start or restart,
 *                        false at create and after a stop or a kill (a pending container starts once placed if true)
 * @param reschedule      what to do when its node is lost, from the create body (null in records made before it
 *                        was kept reads as {@code OFF})
 */
public record ContainerRecord(String swarmId, String name, String nodeId, String engineId, String image,
                              long memoryBytes, long nanoCpus, long createdAtMillis, Map<String, String> labels,
                              List<String> ports, JsonNode spec,
                              @JsonAlias("startRequested") boolean desiredRunning, String pendingReason,
                              ReschedulePolicy reschedule) {
    public static final String PREFIX = "container/";
    public static final String NAME_PREFIX = "name/";
    /** The engine label carrying the cluster-wide ID, as classic Swarm named it. */
    public static final String SWARM_ID_LABEL = "com.docker.swarm.id";

    public ContainerRecord {
        // sorted, so a record serializes to the same text after a round trip (commits compare values as text)
        labels = labels == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(labels));
        ports = ports == null ? List.of() : List.copyOf(ports);
        spec = spec == null || spec.isNull() || spec.isMissingNode() ? null : spec; // JSON null reads as NullNode
        reschedule = reschedule == null ? ReschedulePolicy.OFF : reschedule;
    }

    /** A record placed on {@code nodeId}, not yet created by its engine. */
    public static ContainerRecord placed(String swarmId, String name, String nodeId, String image, long memoryBytes,
                                         long nanoCpus, Map<String, String> labels, List<String> ports) {
        return new ContainerRecord(swarmId, name, nodeId, null, image, memoryBytes, nanoCpus,
                System.currentTimeMillis(), labels, ports, null, false, null, null);
    }

    /** A record no node fits yet. */
    public static ContainerRecord pending(String swarmId, String name, String image, long memoryBytes, long nanoCpus,
                                          Map<String, String> labels, List<String> ports, JsonNode spec,
                                          String reason) {
        return new ContainerRecord(swarmId, name, null, null, image, memoryBytes, nanoCpus,
                System.currentTimeMillis(), labels, ports, spec, false, reason, null);
    }

    public boolean isPending() {
        return nodeId == null;
    }

    public String key() {
        return PREFIX + swarmId;
    }

    public static String nameKey(String name) {
        return NAME_PREFIX + name;
    }

    /** Created by its engine: the spec stays (the desired container, to make again elsewhere if its node is lost). */
    public ContainerRecord withEngineId(String id) {
        return new ContainerRecord(swarmId, name, nodeId, id, image, memoryBytes, nanoCpus, createdAtMillis, labels,
                ports, spec, desiredRunning, null, reschedule);
    }

    /** The same record with the create body it was made from. */
    public ContainerRecord withSpec(JsonNode createBody) {
        return new ContainerRecord(swarmId, name, nodeId, engineId, image, memoryBytes, nanoCpus, createdAtMillis,
                labels, ports, createBody, desiredRunning, pendingReason, reschedule);
    }

    public ContainerRecord withName(String newName) {
        return new ContainerRecord(swarmId, newName, nodeId, engineId, image, memoryBytes, nanoCpus, createdAtMillis,
                labels, ports, spec, desiredRunning, pendingReason, reschedule);
    }

    /** This pending record placed on {@code node}: it now holds the reservation; the spec is kept until created. */
    public ContainerRecord placedOn(String node) {
        return new ContainerRecord(swarmId, name, node, null, image, memoryBytes, nanoCpus, System.currentTimeMillis(),
                labels, ports, spec, desiredRunning, null, reschedule);
    }

    /** The same record with the run state the user asked ({@code docker start} true, {@code stop}/{@code kill} false). */
    public ContainerRecord withDesiredRunning(boolean running) {
        return new ContainerRecord(swarmId, name, nodeId, engineId, image, memoryBytes, nanoCpus, createdAtMillis,
                labels, ports, spec, running, pendingReason, reschedule);
    }

    /** The same record with the reschedule policy its create body asked. */
    public ContainerRecord withReschedule(ReschedulePolicy policy) {
        return new ContainerRecord(swarmId, name, nodeId, engineId, image, memoryBytes, nanoCpus, createdAtMillis,
                labels, ports, spec, desiredRunning, pendingReason, policy);
    }

    public ContainerRecord withPendingReason(String reason) {
        return new ContainerRecord(swarmId, name, nodeId, engineId, image, memoryBytes, nanoCpus, createdAtMillis,
                labels, ports, spec, desiredRunning, reason, reschedule);
    }

    /** Back to pending (its node's engine refused it): the reservation is released. */
    public ContainerRecord unplaced(String reason) {
        return new ContainerRecord(swarmId, name, null, null, image, memoryBytes, nanoCpus, createdAtMillis, labels,
                ports, spec, desiredRunning, reason, reschedule);
    }

    /** The new reservation after {@code docker update}. */
    public ContainerRecord withReservation(long memory, long cpus) {
        return new ContainerRecord(swarmId, name, nodeId, engineId, image, memory, cpus, createdAtMillis, labels,
                ports, spec, desiredRunning, pendingReason, reschedule);
    }
}
