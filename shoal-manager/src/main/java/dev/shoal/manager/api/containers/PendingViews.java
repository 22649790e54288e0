package dev.shoal.manager.api.containers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.manager.state.ClusterStore;
import dev.shoal.manager.state.ContainerRecord;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * How a pending container (no node fits it yet) looks in {@code docker ps -a} and {@code docker inspect}: state
 * {@code pending}, status {@code Pending}, and in inspect {@code State.Error} says why it waits.
 */
final class PendingViews {
    static final String STATE = "pending";
    static final String UNKNOWN = "unknown";
    private static final String ZERO_TIME = "0001-01-01T00:00:00Z";

    private PendingViews() {
    }

    /** A {@code GET /containers/json} entry. */
    static ObjectNode summary(ContainerRecord rec) {
        JsonNode spec = spec(rec);
        ObjectNode c = ClusterStore.JSON.createObjectNode();
        c.put("Id", rec.swarmId());
        c.putArray("Names").add("/" + rec.name());
        c.put("Image", rec.image());
        c.put("ImageID", "");
        c.put("Command", String.join(" ", command(spec)));
        c.put("Created", rec.createdAtMillis() / 1000);
        c.putArray("Ports");
        ObjectNode labels = c.putObject("Labels");
        rec.labels().forEach(labels::put);
        c.put("State", STATE);
        c.put("Status", "Pending");
        c.putObject("HostConfig").put("NetworkMode", spec.path("HostConfig").path("NetworkMode").asText("default"));
        c.putObject("NetworkSettings").putObject("Networks");
        c.putArray("Mounts");
        return c;
    }

    /** A {@code GET /containers/json} entry for a container on a node that gave no list (see ContainersApi). */
    static ObjectNode unreachable(ContainerRecord rec, String nodeName) {
        ObjectNode c = summary(rec);
        c.put("Id", rec.engineId());
        c.putArray("Names").add("/" + nodeName + "/" + rec.name());
        c.put("State", UNKNOWN);
        c.put("Status", "Host Down");
        return c;
    }

    /** A {@code GET /containers/{id}/json} answer. */
    static ObjectNode inspect(ContainerRecord rec) {
        JsonNode spec = spec(rec);
        List<String> cmd = command(spec);
        ObjectNode c = ClusterStore.JSON.createObjectNode();
        c.put("Id", rec.swarmId());
        c.put("Created", Instant.ofEpochMilli(rec.createdAtMillis()).toString());
        c.put("Path", cmd.isEmpty() ? "" : cmd.get(0));
        ArrayNode args = c.putArray("Args");
        cmd.stream().skip(1).forEach(args::add);
        ObjectNode state = c.putObject("State");
        state.put("Status", STATE);
        state.put("Running", false);
        state.put("Paused", false);
        state.put("Restarting", false);
        state.put("OOMKilled", false);
        state.put("Dead", false);
        state.put("Pid", 0);
        state.put("ExitCode", 0);
        state.put("Error", rec.pendingReason() == null ? "" : rec.pendingReason());
        state.put("StartedAt", ZERO_TIME);
        state.put("FinishedAt", ZERO_TIME);
        c.put("Image", rec.image());
        c.put("Name", "/" + rec.name());
        c.put("RestartCount", 0);
        c.put("Driver", "");
        c.put("Platform", "linux");
        c.set("HostConfig", spec.path("HostConfig").isObject() ? spec.get("HostConfig").deepCopy()
                : ClusterStore.JSON.createObjectNode());
        ObjectNode config = spec.deepCopy();
        config.remove("HostConfig");
        config.remove("NetworkingConfig");
        config.put("Image", rec.image());
        ObjectNode labels = config.putObject("Labels");
        rec.labels().forEach(labels::put);
        c.set("Config", config);
        c.putObject("NetworkSettings").putObject("Networks");
        c.putArray("Mounts");
        c.putNull("Node");
        ObjectNode pending = c.putObject("Pending");
        pending.put("Reason", rec.pendingReason() == null ? "" : rec.pendingReason());
        pending.put("StartRequested", rec.desiredRunning());
        return c;
    }

    /**
     * Whether a pending container passes {@code docker ps} filters. Only name, id, label and status can match a
     * pending container (it has no node, network, volume or exit code yet); any other filter hides it.
     */
    static boolean matches(ContainerRecord rec, Map<String, List<String>> filters) {
        return matches(rec, filters, rec.swarmId(), STATE);
    }

    /** As {@link #matches(ContainerRecord, Map)} for a container on a node that gave no list: by its engine ID. */
    static boolean matchesUnreachable(ContainerRecord rec, Map<String, List<String>> filters) {
        return matches(rec, filters, rec.engineId(), UNKNOWN);
    }

    private static boolean matches(ContainerRecord rec, Map<String, List<String>> filters, String id, String state) {
        if (filters.containsKey("label")) {
            // as an engine: every label value must hold
            for (String v : filters.get("label")) {
                int eq = v.indexOf('=');
                boolean ok = eq < 0 ? rec.labels().containsKey(v)
                        : v.substring(eq + 1).equals(rec.labels().get(v.substring(0, eq)));
                if (!ok) {
                    return false;
                }
            }
        }
        for (var f : filters.entrySet()) {
            if (f.getKey().equals("label")) {
                continue;
            }
            boolean any = false;
            for (String v : f.getValue()) {
                any |= switch (f.getKey()) {
                    case "name" -> find(v, rec.name());
                    case "id" -> id.startsWith(v);
                    case "status" -> v.equals(state);
                    default -> false;
                };
            }
            if (!any) {
                return false;
            }
        }
        return true;
    }

    private static boolean find(String regex, String name) {
        try {
            return Pattern.compile(regex).matcher(name).find();
        } catch (PatternSyntaxException e) {
            return name.contains(regex);
        }
    }

    private static JsonNode spec(ContainerRecord rec) {
        return rec.spec() != null && rec.spec().isObject() ? rec.spec() : ClusterStore.JSON.createObjectNode();
    }

    private static List<String> command(JsonNode spec) {
        List<String> out = new ArrayList<>();
        spec.path("Entrypoint").forEach(n -> out.add(n.asText()));
        spec.path("Cmd").forEach(n -> out.add(n.asText()));
        return out;
    }
}
