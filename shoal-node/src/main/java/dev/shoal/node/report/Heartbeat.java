package dev.shoal.node.report;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
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

    /**
     * The body the agent sends, built as a tree: the same JSON as Jackson's binding of this record (absent fields for
     * nulls), without loading the binding machinery (a few hundred classes) into every agent for it.
     */
    public ObjectNode toJson() {
        ObjectNode json = JsonNodeFactory.instance.objectNode();
        putIfNotNull(json, "nodeId", nodeId);
        putIfNotNull(json, "name", name);
        putIfNotNull(json, "address", address);
        ObjectNode labelsJson = json.putObject("labels");
        labels.forEach(labelsJson::put);
        if (engineInfo != null) {
            json.set("engineInfo", engineInfo);
        }
        if (engineVersion != null) {
            json.set("engineVersion", engineVersion);
        }
        putIfNotNull(json, "engineError", engineError);
        return json;
    }

    private static void putIfNotNull(ObjectNode json, String field, String value) {
        if (value != null) {
            json.put(field, value);
        }
    }
}
