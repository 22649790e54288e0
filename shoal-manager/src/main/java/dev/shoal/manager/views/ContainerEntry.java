package dev.shoal.manager.views;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.manager.state.ClusterStore;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One container as its node's engine lists it, kept in a node's view: the engine's {@code /containers/json} entry
 * (kept as bytes, never changed; a change replaces the whole entry), the state its Status is rendered from, and its
 * exact creation instant (the list says only seconds). {@link #rendering} holds what the API made of it (its
 * serialized bytes), so an unchanged entry is serialized once.
 */
public final class ContainerEntry {
    private final String nodeId;
    private final String engineId;
    /** The list entry as JSON bytes (compact: parsed again only when its rendering must be made again). */
    private final byte[] summary;
    private final long createdSecond;
    private final ContainerState state;
    private final Instant created;
    private final String name;
    private final Map<String, String> labels;
    private volatile Object rendering;

    ContainerEntry(String nodeId, ObjectNode summary, ContainerState state, Instant created) {
        this.nodeId = nodeId;
        this.engineId = summary.path("Id").asText();
        this.state = state;
        this.created = created != null ? created : Instant.ofEpochSecond(summary.path("Created").asLong());
        summary.put("State", state.status());
        this.summary = ClusterStore.jsonBytes(summary);
        this.createdSecond = summary.path("Created").asLong();
        JsonNode names = summary.path("Names");
        String first = names.isArray() && !names.isEmpty() ? names.get(0).asText() : "";
        this.name = first.startsWith("/") ? first.substring(1) : first;
        Map<String, String> l = new LinkedHashMap<>();
        summary.path("Labels").properties().forEach(e -> l.put(e.getKey(), e.getValue().asText()));
        this.labels = Map.copyOf(l);
    }

    public String nodeId() {
        return nodeId;
    }

    public String engineId() {
        return engineId;
    }

    /** The engine's list entry, with {@code State} from the same inspect as {@link #state()}: a new copy each call. */
    public ObjectNode summary() {
        try {
            return (ObjectNode) ClusterStore.JSON.readTree(summary);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** {@code Created} as the list gives it: whole seconds. */
    public long createdSecond() {
        return createdSecond;
    }

    public ContainerState state() {
        return state;
    }

    public Instant created() {
        return created;
    }

    /** The engine's name, without the leading slash. */
    public String name() {
        return name;
    }

    public Map<String, String> labels() {
        return labels;
    }

    public Object rendering() {
        return rendering;
    }

    public void rendering(Object r) {
        this.rendering = r;
    }
}
