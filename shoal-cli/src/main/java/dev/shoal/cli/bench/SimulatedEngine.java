package dev.shoal.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One node's Docker engine, held in memory: answers the engine calls the manager makes to a node (image inspect and
 * list, container create, list with filters, inspect, start, stop, remove, info, version, networks, volumes, ping)
 * as dockerd 20.10 shapes them. No HTTP here (see {@link EngineServer}); {@code GET /events} is answered by the
 * server as a stream that stays open.
 */
final class SimulatedEngine {
    static final String IMAGE = "busybox:latest";
    static final String IMAGE_ID = "sha256:a416a98b71e224a31ee99cff8e16063554498227d2b696152a9c3e0aa65e5824";
    private static final Pattern CONTAINER_PATH = Pattern.compile("/containers/([^/]+)(/[a-z]+)?");
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");

    /** A container as the engine keeps it. */
    record Container(String id, String name, String image, Map<String, String> labels, String command,
                     long createdSeconds, String state) {
        Container withState(String next) {
            return new Container(id, name, image, labels, command, createdSeconds, next);
        }
    }

    /** An answer: status and JSON body (empty for 204/304). */
    record Answer(int status, byte[] body) {
        static Answer json(int status, JsonNode body) {
            try {
                return new Answer(status, EngineFacts.JSON.writeValueAsBytes(body));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        static Answer empty(int status) {
            return new Answer(status, new byte[0]);
        }

        static Answer error(int status, String message) {
            return json(status, EngineFacts.JSON.createObjectNode().put("message", message));
        }
    }

    private final int index;
    private final String hostname;
    private final Map<String, Container> byId = new ConcurrentHashMap<>();
    private final Map<String, String> idByName = new ConcurrentHashMap<>();
    private final AtomicInteger running = new AtomicInteger();
    private final ObjectNode version = EngineFacts.version();

    SimulatedEngine(int index, String hostname) {
        this.index = index;
        this.hostname = hostname;
    }

    int containers() {
        return byId.size();
    }

    ObjectNode info() {
        int up = running.get();
        return EngineFacts.info(index, hostname, up, byId.size() - up);
    }

    ObjectNode version() {
        return version;
    }

    /** Answers {@code method path} (the API version prefix already removed); {@code query} decoded. */
    Answer answer(String method, String path, Map<String, List<String>> query, byte[] body) {
        try {
            return route(method, path, query, body);
        } catch (IllegalArgumentException e) {
            return Answer.error(400, e.getMessage());
        }
    }

    private Answer route(String method, String path, Map<String, List<String>> query, byte[] body) {
        switch (method + " " + path) {
            case "GET /_ping", "HEAD /_ping":
                return new Answer(200, "OK".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            case "GET /info":
                return Answer.json(200, info());
            case "GET /version":
                return Answer.json(200, version);
            case "GET /images/json":
                return Answer.json(200, EngineFacts.JSON.createArrayNode().add(imageSummary()));
            case "GET /containers/json":
                return list(query);
            case "POST /containers/create":
                return create(first(query, "name"), body);
            case "GET /networks":
                return Answer.json(200, networks(first(query, "filters")));
            default:
                break;
        }
        if (method.equals("GET") && path.startsWith("/images/") && path.endsWith("/json")) {
            return inspectImage(path.substring("/images/".length(), path.length() - "/json".length()));
        }
        if (path.startsWith("/volumes/") && method.equals("GET")) {
            return Answer.error(404, "get " + path.substring("/volumes/".length()) + ": no such volume");
        }
        Matcher m = CONTAINER_PATH.matcher(path);
        if (m.matches()) {
            return onContainer(method, m.group(1), m.group(2) == null ? "" : m.group(2));
        }
        return Answer.error(404, "page not found");
    }

    private Answer inspectImage(String name) {
        if (name.equals(IMAGE) || name.equals("busybox") || IMAGE_ID.startsWith(name) || name.equals(IMAGE_ID)) {
            ObjectNode image = imageSummary();
            image.put("Architecture", "amd64").put("Os", "linux").put("Size", 4_261_550);
            image.putObject("Config").putArray("Cmd").add("sh");
            return Answer.json(200, image);
        }
        return Answer.error(404, "No such image: " + name);
    }

    private static ObjectNode imageSummary() {
        ObjectNode i = EngineFacts.JSON.createObjectNode();
        i.put("Containers", -1).put("Created", 1_689_000_000L).put("Id", IMAGE_ID).putNull("Labels")
                .put("ParentId", "").put("SharedSize", -1).put("Size", 4_261_550).put("VirtualSize", 4_261_550);
        i.putArray("RepoDigests").add("busybox@sha256:3fbc632167424a6d997e74f52b878d7cc478225cffac6bc977eedfe51c7f4e79");
        i.putArray("RepoTags").add(IMAGE);
        return i;
    }

    private Answer create(String name, byte[] body) {
        JsonNode spec;
        try {
            spec = EngineFacts.JSON.readTree(body);
        } catch (IOException e) {
            return Answer.error(400, "invalid JSON: " + e.getMessage());
        }
        String image = spec.path("Image").asText("");
        if (inspectImage(image).status() != 200) {
            return Answer.error(404, "No such image: " + image);
        }
        String id = newId();
        if (name == null || name.isEmpty()) {
            name = "sim_" + id.substring(0, 12);
        } else if (!NAME.matcher(name).matches()) {
            return Answer.error(400, "Invalid container name (" + name + ")");
        }
        if (idByName.putIfAbsent(name, id) != null) {
            return Answer.error(409, "Conflict. The container name \"/" + name + "\" is already in use by container \""
                    + idByName.get(name) + "\". You have to remove (or rename) that container to be able to reuse that name.");
        }
        Map<String, String> labels = new HashMap<>();
        spec.path("Labels").fields().forEachRemaining(f -> labels.put(f.getKey(), f.getValue().asText()));
        List<String> cmd = new ArrayList<>();
        spec.path("Cmd").forEach(c -> cmd.add(c.asText()));
        byId.put(id, new Container(id, name, image, Map.copyOf(labels), String.join(" ", cmd),
                System.currentTimeMillis() / 1000, "created"));
        ObjectNode answer = EngineFacts.JSON.createObjectNode().put("Id", id);
        answer.putArray("Warnings");
        return Answer.json(201, answer);
    }

    private static String newId() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return String.format("%016x%016x%016x%016x", r.nextLong(), r.nextLong(), r.nextLong(), r.nextLong());
    }

    private Answer list(Map<String, List<String>> query) {
        ContainerFilters filters = ContainerFilters.parse(first(query, "filters"));
        boolean all = "1".equals(first(query, "all")) || "true".equals(first(query, "all"));
        ArrayNode out = EngineFacts.JSON.createArrayNode();
        byId.values().stream()
                .filter(c -> all || c.state().equals("running"))
                .filter(filters::matches)
                .sorted(Comparator.comparingLong(Container::createdSeconds).reversed())
                .forEach(c -> out.add(summary(c)));
        return Answer.json(200, out);
    }

    private static ObjectNode summary(Container c) {
        ObjectNode s = EngineFacts.JSON.createObjectNode();
        s.put("Id", c.id());
        s.putArray("Names").add("/" + c.name());
        s.put("Image", c.image()).put("ImageID", IMAGE_ID).put("Command", c.command()).put("Created", c.createdSeconds());
        s.putArray("Ports");
        ObjectNode labels = s.putObject("Labels");
        c.labels().forEach(labels::put);
        s.put("State", c.state()).put("Status", c.state().equals("running") ? "Up 5 minutes" : "Created");
        s.putObject("HostConfig").put("NetworkMode", "default");
        ObjectNode bridge = s.putObject("NetworkSettings").putObject("Networks").putObject("bridge");
        bridge.putNull("IPAMConfig").putNull("Links").putNull("Aliases")
                .put("NetworkID", "3b1e2a0c5c8f7a5e1d4b6c9e0f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c")
                .put("EndpointID", "").put("Gateway", "").put("IPAddress", "").put("IPPrefixLen", 0)
                .put("IPv6Gateway", "").put("GlobalIPv6Address", "").put("GlobalIPv6PrefixLen", 0)
                .put("MacAddress", "").putNull("DriverOpts");
        s.putArray("Mounts");
        return s;
    }

    private Answer onContainer(String method, String ref, String action) {
        Optional<Container> found = find(ref);
        if (found.isEmpty()) {
            return Answer.error(404, "No such container: " + ref);
        }
        Container c = found.get();
        switch (method + " " + action) {
            case "GET /json":
                return Answer.json(200, inspect(c));
            case "POST /start":
                return setState(c, "running") ? Answer.empty(204) : Answer.empty(304);
            case "POST /stop", "POST /kill":
                return setState(c, "exited") ? Answer.empty(204) : Answer.empty(304);
            case "DELETE ":
                byId.remove(c.id());
                idByName.remove(c.name(), c.id());
                if (c.state().equals("running")) {
                    running.decrementAndGet();
                }
                return Answer.empty(204);
            default:
                return Answer.error(404, "page not found");
        }
    }

    private Optional<Container> find(String ref) {
        Container exact = byId.get(ref);
        if (exact != null) {
            return Optional.of(exact);
        }
        String byName = idByName.get(ref.startsWith("/") ? ref.substring(1) : ref);
        if (byName != null) {
            return Optional.ofNullable(byId.get(byName));
        }
        List<Container> prefixed = byId.values().stream().filter(c -> c.id().startsWith(ref)).limit(2).toList();
        return prefixed.size() == 1 ? Optional.of(prefixed.get(0)) : Optional.empty();
    }

    private boolean setState(Container c, String state) {
        if (c.state().equals(state)) {
            return false;
        }
        byId.put(c.id(), c.withState(state));
        running.addAndGet(state.equals("running") ? 1 : c.state().equals("running") ? -1 : 0);
        return true;
    }

    private static ObjectNode inspect(Container c) {
        ObjectNode i = EngineFacts.JSON.createObjectNode();
        i.put("Id", c.id()).put("Created", java.time.Instant.ofEpochSecond(c.createdSeconds()).toString())
                .put("Path", c.command().split(" ")[0]).put("Image", IMAGE_ID).put("Name", "/" + c.name())
                .put("Driver", "overlay2").put("RestartCount", 0);
        i.putObject("State").put("Status", c.state()).put("Running", c.state().equals("running"))
                .put("Paused", false).put("Pid", 0).put("ExitCode", 0);
        ObjectNode config = i.putObject("Config");
        config.put("Image", c.image());
        ObjectNode labels = config.putObject("Labels");
        c.labels().forEach(labels::put);
        i.putObject("HostConfig").put("NetworkMode", "default").put("Memory", 0).put("NanoCpus", 0);
        i.putObject("NetworkSettings").putObject("Networks");
        return i;
    }

    private static ArrayNode networks(String filters) {
        ArrayNode out = EngineFacts.JSON.createArrayNode();
        if (filters != null && filters.contains("label")) {
            return out; // no cluster network was made through the manager in the bench
        }
        for (String name : new String[] {"bridge", "host", "none"}) {
            out.addObject().put("Name", name).put("Id", name + "0000000000000000000000000000000000000000000000000000000000")
                    .put("Scope", "local").put("Driver", name.equals("none") ? "null" : name);
        }
        return out;
    }

    private static String first(Map<String, List<String>> query, String key) {
        List<String> vs = query.get(key);
        return vs == null || vs.isEmpty() ? null : vs.get(0);
    }
}
