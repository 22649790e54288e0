package dev.shoal.node.report;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** The manager's answer to a heartbeat: the node's ID and when to beat next. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record HeartbeatReply(String nodeId, long heartbeatMillis) {
    /** Read from a tree (as Jackson's binding would: missing fields null and 0), which the agent does without binding. */
    public static HeartbeatReply fromJson(com.fasterxml.jackson.databind.JsonNode json) {
        com.fasterxml.jackson.databind.JsonNode id = json.path("nodeId");
        return new HeartbeatReply(id.isTextual() ? id.asText() : null, json.path("heartbeatMillis").asLong(0));
    }
}
