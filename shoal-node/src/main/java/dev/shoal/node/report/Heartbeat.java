package dev.shoal.node.report;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a node reports every beat (body of {@code POST /shoal/v1/heartbeat}). {@code engineInfo} and
 * {@code engineVersion} are the engine's raw {@code GET /info} and {@code GET /version}; when the engine
 * cannot be read they are absent and {@code engineError} says why.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record Heartbeat(String nodeId, String name, String address, Map<String, String> labels,
                        JsonNode engineInfo, JsonNode engineVersion, String engineError) {
    public Heartbeat {
        labels = labels == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(labels));
    }
}
