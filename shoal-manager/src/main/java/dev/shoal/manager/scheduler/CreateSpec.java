package dev.shoal.manager.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.manager.errors.DockerException;
import dev.shoal.manager.state.ClusterStore;
import dev.shoal.manager.state.ReschedulePolicy;
import dev.shoal.scheduler.expr.Expr;
import dev.shoal.scheduler.expr.ParseException;
import dev.shoal.scheduler.model.PortBinding;
import dev.shoal.scheduler.model.Request;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a {@code POST /containers/create} body asks of the scheduler: the reservation, the classic Swarm rules
 * ({@code -e constraint:…}, {@code -e affinity:…}, the {@code com.docker.swarm.constraints}/{@code …affinities}
 * labels), host ports and dependencies ({@code --volumes-from}, {@code --link}, {@code --net/--ipc container:X}).
 *
 * @param labels the container's labels after {@link #from} (rules moved in), for affinities and the record
 * @param ports  the fixed host ports it binds, as {@code 80/tcp} (with {@code --net=host}: the ports it exposes)
 * @param volumes the named volumes it mounts ({@code -v NAME:/path}, {@code --mount type=volume,source=NAME})
 * @param reschedule what to do when its node is lost (see {@link ReschedulePolicy})
 */
public record CreateSpec(Request request, long memory, long nanoCpus, Map<String, String> labels,
                         List<String> ports, List<String> volumes, ReschedulePolicy reschedule) {

    /**
     * Reads a create body and, as classic Swarm did, moves its {@code constraint:}/{@code affinity:} environment
     * entries into the JSON-array labels, so the engine's container does not see them and keeps its rules; its
     * {@code reschedule:} entries likewise go into the {@link ReschedulePolicy#LABEL} label.
     * The body is changed only when every rule parses.
     *
     * @throws ParseException for a malformed rule, naming it (the API answers 400)
     * @throws DockerException 400 for an unknown or contradictory reschedule policy
     */
    public static CreateSpec from(ObjectNode body, boolean cpuSharesAsCores) {
        List<String> env = new ArrayList<>();
        for (JsonNode e : body.path("Env")) {
            env.add(e.asText());
        }
        Map<String, String> labels = new LinkedHashMap<>();
        body.path("Labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
        JsonNode host = body.path("HostConfig");

        Request.Builder b = Request.builder().fromDocker(env, labels);
        long memory = host.path("Memory").asLong(0);
        long nanoCpus = Request.nanoCpus(host.path("NanoCpus").asLong(0), host.path("CpuShares").asLong(0),
                cpuSharesAsCores);
        if (memory < 0 || nanoCpus < 0) {
            throw new ParseException("resource", memory < 0 ? "Memory=" + memory : "NanoCpus=" + nanoCpus,
                    "must not be negative");
        }
        b.memory(memory).nanoCpus(nanoCpus);
        List<String> ports = new ArrayList<>();
        if (host.path("NetworkMode").asText("").equals("host")) {
            // a host-network container binds what it exposes on the host itself (classic Swarm's host-mode port
            // filter); the engine ignores its PortBindings
            body.path("ExposedPorts").properties().forEach(e -> {
                for (PortBinding p : exposed(e.getKey())) {
                    b.port(p);
                    if (!ports.contains(p.key())) {
                        ports.add(p.key());
                    }
                }
            });
        } else {
            host.path("PortBindings").properties().forEach(e -> {
                String protocol = e.getKey().contains("/") ? e.getKey().substring(e.getKey().indexOf('/') + 1)
                        : "tcp";
                for (JsonNode binding : e.getValue()) {
                    int hostPort = hostPort(binding.path("HostPort").asText(""));
                    PortBinding p = new PortBinding(hostPort, protocol);
                    b.port(p);
                    if (!p.random()) {
                        ports.add(p.key());
                    }
                }
            });
        }
        for (JsonNode v : host.path("VolumesFrom")) {
            b.volumesFrom(v.asText());
        }
        for (JsonNode l : host.path("Links")) {
            b.link(l.asText());
        }
        b.networkMode(host.path("NetworkMode").asText(null));
        b.ipcMode(host.path("IpcMode").asText(null));
        Request request = b.build();
        List<String> volumes = new ArrayList<>();
        for (JsonNode bind : host.path("Binds")) {
            String source = bind.asText().split(":", 2)[0];
            if (!source.isEmpty() && !source.startsWith("/") && !volumes.contains(source)) {
                volumes.add(source);
            }
        }
        for (JsonNode mount : host.path("Mounts")) {
            String source = mount.path("Source").asText("");
            if (mount.path("Type").asText("").equals("volume") && !source.isEmpty() && !volumes.contains(source)) {
                volumes.add(source);
            }
        }

        ReschedulePolicy reschedule = reschedulePolicy(env, labels, host);
        moveRulesIntoLabels(body, env, labels);
        return new CreateSpec(request, memory, nanoCpus, Map.copyOf(labels), List.copyOf(ports),
                List.copyOf(volumes), reschedule);
    }

    /**
     * The policy the environment's {@code reschedule:} entries and the {@link ReschedulePolicy#LABEL} label name
     * (a JSON array, or one bare name); with none, {@code on-node-failure} for the restart policies that mean
     * "keep it running" ({@code always}, {@code unless-stopped}), else {@code off}.
     */
    private static ReschedulePolicy reschedulePolicy(List<String> env, Map<String, String> labels, JsonNode host) {
        java.util.Set<ReschedulePolicy> named = java.util.EnumSet.noneOf(ReschedulePolicy.class);
        try {
            for (String e : env) {
                if (e.startsWith(ReschedulePolicy.ENV_PREFIX)) {
                    named.add(ReschedulePolicy.of(e.substring(ReschedulePolicy.ENV_PREFIX.length())));
                }
            }
            String label = labels.get(ReschedulePolicy.LABEL);
            if (label != null) {
                for (String name : policyNames(label)) {
                    named.add(ReschedulePolicy.of(name));
                }
            }
        } catch (IllegalArgumentException e) {
            throw DockerException.badRequest(e.getMessage());
        }
        if (named.size() > 1) {
            throw DockerException.badRequest("invalid reschedule policy: \"off\" and \"on-node-failure\" are both"
                    + " given; give one");
        }
        if (named.size() == 1) {
            return named.iterator().next();
        }
        String restart = host.path("RestartPolicy").path("Name").asText("");
        return restart.equals("always") || restart.equals("unless-stopped") ? ReschedulePolicy.ON_NODE_FAILURE
                : ReschedulePolicy.OFF;
    }

    private static List<String> policyNames(String label) {
        String text = label.trim();
        if (!text.startsWith("[")) {
            return List.of(text);
        }
        try {
            JsonNode array = ClusterStore.JSON.readTree(text);
            List<String> out = new ArrayList<>();
            for (JsonNode n : array) {
                if (!n.isTextual()) {
                    throw new IllegalArgumentException("invalid reschedule policy: " + n);
                }
                out.add(n.asText());
            }
            return out;
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("invalid reschedule policy: " + label + " is not a JSON array of names");
        }
    }

    /** {@code 80/tcp}, {@code 53/udp}, {@code 8000-8002/tcp} as host-mode ports. */
    private static List<PortBinding> exposed(String key) {
        int slash = key.indexOf('/');
        String protocol = slash < 0 ? "tcp" : key.substring(slash + 1);
        String range = slash < 0 ? key : key.substring(0, slash);
        int dash = range.indexOf('-');
        try {
            int first = Integer.parseInt((dash < 0 ? range : range.substring(0, dash)).trim());
            int last = dash < 0 ? first : Integer.parseInt(range.substring(dash + 1).trim());
            if (first < 1 || last > 65535 || last < first) {
                throw new ParseException("port", key, "not a port or port range");
            }
            List<PortBinding> out = new ArrayList<>();
            for (int port = first; port <= last; port++) {
                out.add(PortBinding.host(port, protocol));
            }
            return out;
        } catch (NumberFormatException e) {
            throw new ParseException("port", key, "not a port or port range");
        }
    }

    /** A fixed port, or 0 (any free port) for an empty value or a range such as {@code 8000-8010}. */
    private static int hostPort(String text) {
        if (text.isEmpty() || text.contains("-")) {
            return 0;
        }
        try {
            return Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new ParseException("port", text, "not a port number");
        }
    }

    private static void moveRulesIntoLabels(ObjectNode body, List<String> env, Map<String, String> labels) {
        List<String> constraints = new ArrayList<>(Request.ruleLabel("constraint",
                labels.get(Request.CONSTRAINTS_LABEL)));
        List<String> affinities = new ArrayList<>(Request.ruleLabel("affinity", labels.get(Request.AFFINITIES_LABEL)));
        List<String> reschedule = new ArrayList<>(labels.containsKey(ReschedulePolicy.LABEL)
                ? policyNames(labels.get(ReschedulePolicy.LABEL)) : List.of());
        int policiesBefore = reschedule.size();
        ArrayNode kept = ClusterStore.JSON.createArrayNode();
        boolean moved = false;
        for (String e : env) {
            if (e.startsWith(ReschedulePolicy.ENV_PREFIX)) {
                String name = e.substring(ReschedulePolicy.ENV_PREFIX.length()).trim();
                if (!reschedule.contains(name)) {
                    reschedule.add(name);
                }
                moved = true;
            } else if (e.startsWith("constraint:")) {
                constraints.add(Expr.unescapeBang(e.substring("constraint:".length())));
                moved = true;
            } else if (e.startsWith("affinity:")) {
                affinities.add(Expr.unescapeBang(e.substring("affinity:".length())));
                moved = true;
            } else {
                kept.add(e);
            }
        }
        if (!moved) {
            return;
        }
        body.set("Env", kept);
        ObjectNode out = body.has("Labels") && body.get("Labels").isObject()
                ? (ObjectNode) body.get("Labels") : body.putObject("Labels");
        if (!constraints.isEmpty()) {
            String text = toJson(constraints);
            out.put(Request.CONSTRAINTS_LABEL, text);
            labels.put(Request.CONSTRAINTS_LABEL, text);
        }
        if (!affinities.isEmpty()) {
            String text = toJson(affinities);
            out.put(Request.AFFINITIES_LABEL, text);
            labels.put(Request.AFFINITIES_LABEL, text);
        }
        if (reschedule.size() != policiesBefore) {
            String text = toJson(reschedule);
            out.put(ReschedulePolicy.LABEL, text);
            labels.put(ReschedulePolicy.LABEL, text);
        }
    }

    private static String toJson(List<String> items) {
        ArrayNode a = ClusterStore.JSON.createArrayNode();
        items.forEach(a::add);
        return a.toString();
    }
}
