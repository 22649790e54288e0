package dev.shoal.manager.dispatcher;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shoal.manager.state.ClusterStore;

/** The answer to a {@link ClusterRequest}: a status and a JSON body. */
record ClusterReply(int status, JsonNode body) {
    /** {@code {"message": …}} with {@code status}. */
    static ClusterReply error(int status, String message) {
        return new ClusterReply(status, ClusterStore.JSON.createObjectNode().put("message", message));
    }

    /** A "STATUS message" refusal as a reply. */
    static ClusterReply refusal(String refusal) {
        return error(Integer.parseInt(refusal.substring(0, 3)), refusal.substring(4));
    }
}
