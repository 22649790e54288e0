package dev.shoal.manager.dispatcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.manager.state.ClusterStore;

import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the manager keeps of an engine's {@code GET /info} (from its node's heartbeat, or asked): the facts it reads
 * typed — capacity, container and image counts, the engine facts and labels constraints match — and the rest of the
 * answer once for all nodes that send the same. A full dockerd answer as a Jackson tree is some 150 nodes per engine
 * (about 15 KB; 5,000 nodes kept 75 MB of it, and the per-beat copies churned the heap); engines of one cluster
 * differ in a few fields only. Those ({@link #PER_NODE}) are kept per node; the remainder, with those fields set to
 * null in place (so the field order survives), is interned: one shared tree per distinct remainder.
 *
 * <p>{@link #tree()} gives the answer back whole (a fresh copy, the fields in their order) for {@code docker info},
 * which starts from one engine's answer.
 */
public final class EngineInfo {
    /** The fields that differ between engines or from one beat to the next: kept per node. */
    static final List<String> PER_NODE = List.of("ID", "Name", "Containers", "ContainersRunning", "ContainersPaused",
            "ContainersStopped", "Images", "NFd", "NGoroutines", "SystemTime", "NEventsListener", "NCPU", "MemTotal",
            "Labels");

    /** Shared remainders; cleared when this many differ (nodes keep theirs; later ones are shared anew). */
    private static final int MAX_SHARED = 256;
    private static final Map<JsonNode, JsonNode> SHARED = new ConcurrentHashMap<>();

    /** A node that has not reported its engine (no heartbeat yet, or its engine is failing). */
    public static final EngineInfo NONE = new EngineInfo(false, ClusterStore.JSON.createObjectNode(), new JsonNode[0]);

    private final boolean present;
    /** The answer with the {@link #PER_NODE} fields null; shared between nodes, never changed. */
    private final JsonNode shared;
    /** The {@link #PER_NODE} values, in that order; null where the answer had none. */
    private final JsonNode[] perNode;
    private final int cpus;
    private final long memoryBytes;
    private final String kernelVersion;
    private final String operatingSystem;
    private final String osType;
    private final String driver;
    private final List<String> labels;
    private final Map<String, String> engineLabels;

    private EngineInfo(boolean present, JsonNode shared, JsonNode[] perNode) {
        this.present = present;
        this.shared = shared;
        this.perNode = perNode;
        this.cpus = path("NCPU").asInt(0);
        this.memoryBytes = path("MemTotal").asLong(0);
        this.kernelVersion = path("KernelVersion").asText("");
        this.operatingSystem = path("OperatingSystem").asText("");
        this.osType = path("OSType").asText("linux");
        this.driver = path("Driver").asText("");
        List<String> l = new java.util.ArrayList<>();
        for (JsonNode label : path("Labels")) {
            l.add(label.asText());
        }
        this.labels = List.copyOf(l);
        this.engineLabels = Collections.unmodifiableMap(constraintLabels());
    }

    /** The facts of one {@code /info} answer ({@code info} is left as it is). */
    public static EngineInfo of(JsonNode info) {
        return adopt(info == null ? null : info.deepCopy());
    }

    /**
     * As {@link #of}, taking the tree over instead of copying it: a heartbeat's tree, parsed for this and then
     * dropped, has its {@link #PER_NODE} fields nulled in place and may become the shared remainder.
     */
    static EngineInfo adopt(JsonNode info) {
        if (info == null || info.isMissingNode() || info.isNull()) {
            return NONE;
        }
        if (!(info instanceof ObjectNode object)) {
            return new EngineInfo(true, ClusterStore.JSON.createObjectNode(), new JsonNode[PER_NODE.size()]);
        }
        JsonNode[] values = new JsonNode[PER_NODE.size()];
        for (int i = 0; i < values.length; i++) {
            String field = PER_NODE.get(i);
            JsonNode value = object.get(field);
            if (value != null) {
                values[i] = value;
                object.set(field, NullNode.getInstance());
            }
        }
        return new EngineInfo(true, share(object), values);
    }

    private static JsonNode share(ObjectNode remainder) {
        JsonNode known = SHARED.get(remainder);
        if (known != null) {
            return known;
        }
        if (SHARED.size() >= MAX_SHARED) {
            SHARED.clear();
        }
        known = SHARED.putIfAbsent(remainder, remainder);
        return known == null ? remainder : known;
    }

    /** A field of the answer as it came (MissingNode when it had none). */
    private JsonNode path(String field) {
        int i = PER_NODE.indexOf(field);
        if (i >= 0) {
            JsonNode v = i < perNode.length ? perNode[i] : null;
            return v == null ? com.fasterxml.jackson.databind.node.MissingNode.getInstance() : v;
        }
        return shared.path(field);
    }

    /** Whether the engine reported at all. */
    public boolean present() {
        return present;
    }

    /** The whole answer again, as the engine sent it: a fresh tree the caller may change. */
    public ObjectNode tree() {
        ObjectNode out = shared instanceof ObjectNode o ? o.deepCopy() : ClusterStore.JSON.createObjectNode();
        for (int i = 0; i < perNode.length; i++) {
            if (perNode[i] != null) {
                out.set(PER_NODE.get(i), perNode[i].deepCopy());
            }
        }
        return out;
    }

    public int cpus() {
        return cpus;
    }

    public long memoryBytes() {
        return memoryBytes;
    }

    public int containers() {
        return path("Containers").asInt(0);
    }

    public int containersRunning() {
        return path("ContainersRunning").asInt(0);
    }

    public int containersPaused() {
        return path("ContainersPaused").asInt(0);
    }

    public int containersStopped() {
        return path("ContainersStopped").asInt(0);
    }

    /** The engine's image count; -1 when it gave none. */
    public long images() {
        return path("Images").asLong(-1);
    }

    public String kernelVersion() {
        return kernelVersion;
    }

    public String operatingSystem() {
        return operatingSystem;
    }

    /** "linux" when the engine gave none. */
    public String osType() {
        return osType;
    }

    /** The storage driver. */
    public String driver() {
        return driver;
    }

    public String serverVersion() {
        return path("ServerVersion").asText("");
    }

    /** The engine's {@code --label}s as it lists them ("key=value"). */
    public List<String> labels() {
        return labels;
    }

    /**
     * Engine facts and labels as classic Swarm offered them to constraints: kernelversion, operatingsystem, ostype,
     * storagedriver, executiondriver, then each engine label (a label overrides a fact of the same name).
     */
    public Map<String, String> engineLabels() {
        return engineLabels;
    }

    private Map<String, String> constraintLabels() {
        Map<String, String> l = new HashMap<>();
        l.put("kernelversion", kernelVersion);
        l.put("operatingsystem", operatingSystem);
        l.put("ostype", osType);
        l.put("storagedriver", driver);
        l.put("executiondriver", "native");
        for (String s : labels) {
            int eq = s.indexOf('=');
            if (eq > 0) {
                l.put(s.substring(0, eq), s.substring(eq + 1));
            }
        }
        return l;
    }

    /** Whether what the scheduler reads of the engine differs: capacity, engine facts, labels. */
    boolean sameSchedulingFacts(EngineInfo other) {
        return present == other.present && cpus == other.cpus && memoryBytes == other.memoryBytes
                && labels.equals(other.labels) && kernelVersion.equals(other.kernelVersion)
                && operatingSystem.equals(other.operatingSystem) && osType.equals(other.osType)
                && driver.equals(other.driver);
    }
}
