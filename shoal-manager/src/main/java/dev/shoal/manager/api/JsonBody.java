package dev.shoal.manager.api;

import dev.shoal.manager.errors.DockerException;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.manager.state.ClusterStore;

import java.io.IOException;

/** Request bodies read as JSON objects (400 with a one-line reason otherwise) and JSON written back to bytes. */
public final class JsonBody {
    private JsonBody() {
    }

    /** The body as a JSON object; an empty body is an empty object when {@code emptyAllowed}. */
    public static ObjectNode object(byte[] bytes, boolean emptyAllowed) {
        if (bytes.length == 0) {
            if (emptyAllowed) {
                return ClusterStore.JSON.createObjectNode();
            }
            throw DockerException.badRequest("bad request body: empty JSON body");
        }
        try {
            JsonNode node = ClusterStore.JSON.readTree(bytes);
            if (node == null || !node.isObject()) {
                throw DockerException.badRequest("bad request body: want a JSON object");
            }
            return (ObjectNode) node;
        } catch (IOException e) {
            throw DockerException.badRequest("invalid JSON: " + firstLine(e.getMessage()));
        }
    }

    public static byte[] bytes(JsonNode node) {
        return ClusterStore.jsonBytes(node);
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unreadable body";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
