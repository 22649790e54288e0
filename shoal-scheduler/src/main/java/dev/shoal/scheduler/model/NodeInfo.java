package dev.shoal.scheduler.model;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One node at one instant, as given to the scheduler.
 *
 * @param labels         node labels ({@code containerslots=N} caps the containers on the node; so does the same
 *                       engine label, as classic Swarm read it from dockerd's {@code --label})
 * @param engineLabels   engine facts and labels: storagedriver, kernelversion, operatingsystem, executiondriver, …
 * @param totalNanoCpus  schedulable CPU in nanoCPUs (1 core = 1e9); 0 means none can be reserved
 * @param totalMemory    schedulable memory in bytes
 * @param reservedNanoCpus, reservedMemory already reserved by work the scheduler does not list in {@code containers}
 * @param containerCount containers on the node (at least {@code containers.size()}; the rest are anonymous)
 * @param usedPorts      host ports already bound ({@code 80/tcp}) besides those of {@code containers}
 * @param containers     known containers (names, images, labels for affinities and dependencies)
 * @param images         images the node's engine holds, for {@code affinity:image==X}; empty when the caller did not
 *                       look (then only the images of {@code containers} count)
 */
public record NodeInfo(String id, String name, Health health, Map<String, String> labels,
                       Map<String, String> engineLabels, long totalNanoCpus, long totalMemory,
                       long reservedNanoCpus, long reservedMemory, int containerCount,
                       Set<String> usedPorts, List<ContainerInfo> containers, List<ImageInfo> images) {
    public NodeInfo {
        if (id == null || id.isEmpty()) {
            throw new IllegalArgumentException("node id is required");
        }
        name = name == null || name.isEmpty() ? id : name;
        health = health == null ? Health.HEALTHY : health;
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        engineLabels = engineLabels == null ? Map.of() : Map.copyOf(engineLabels);
        usedPorts = usedPorts == null ? Set.of() : Set.copyOf(usedPorts);
        containers = containers == null ? List.of() : List.copyOf(containers);
        images = images == null ? List.of() : List.copyOf(images);
        if (totalNanoCpus < 0 || totalMemory < 0 || reservedNanoCpus < 0 || reservedMemory < 0) {
            throw new IllegalArgumentException("negative resources on node " + name);
        }
        containerCount = Math.max(containerCount, containers.size());
    }

    /** A node without image facts. */
    public NodeInfo(String id, String name, Health health, Map<String, String> labels,
                    Map<String, String> engineLabels, long totalNanoCpus, long totalMemory,
                    long reservedNanoCpus, long reservedMemory, int containerCount,
                    Set<String> usedPorts, List<ContainerInfo> containers) {
        this(id, name, health, labels, engineLabels, totalNanoCpus, totalMemory, reservedNanoCpus, reservedMemory,
                containerCount, usedPorts, containers, List.of());
    }

    /** This node with the images its engine holds. */
    public NodeInfo withImages(List<ImageInfo> images) {
        return new NodeInfo(id, name, health, labels, engineLabels, totalNanoCpus, totalMemory, reservedNanoCpus,
                reservedMemory, containerCount, usedPorts, containers, images);
    }

    /** A healthy node with the given capacity and labels, nothing on it. */
    public static NodeInfo of(String id, String name, long nanoCpus, long memory, Map<String, String> labels) {
        return new NodeInfo(id, name, Health.HEALTHY, labels, Map.of(), nanoCpus, memory, 0, 0, 0, Set.of(), List.of());
    }
}
