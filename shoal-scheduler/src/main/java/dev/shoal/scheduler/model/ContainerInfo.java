package dev.shoal.scheduler.model;

import java.util.List;
import java.util.Map;

/**
 * A container the scheduler knows on a node: what affinities, dependencies and ports look at,
 * and the reservation released when it goes.
 */
public record ContainerInfo(String id, String name, String image, Map<String, String> labels,
                            List<PortBinding> ports, long memory, long nanoCpus) {
    public ContainerInfo {
        if (id == null || id.isEmpty()) {
            throw new IllegalArgumentException("container id is required");
        }
        name = name == null ? "" : name.startsWith("/") ? name.substring(1) : name;
        image = image == null ? "" : image;
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        ports = ports == null ? List.of() : List.copyOf(ports);
        if (memory < 0 || nanoCpus < 0) {
            throw new IllegalArgumentException("negative reservation");
        }
    }

    public static ContainerInfo of(String id, String name, String image) {
        return new ContainerInfo(id, name, image, Map.of(), List.of(), 0, 0);
    }
}
