package dev.shoal.node.report;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** The manager's answer to a heartbeat: the node's ID and when to beat next. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record HeartbeatReply(String nodeId, long heartbeatMillis) {
}
