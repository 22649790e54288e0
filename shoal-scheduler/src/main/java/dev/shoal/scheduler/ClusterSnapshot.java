package dev.shoal.scheduler;

import dev.shoal.scheduler.expr.Expr;
import dev.shoal.scheduler.model.ContainerInfo;
import dev.shoal.scheduler.model.Health;
import dev.shoal.scheduler.model.ImageInfo;
import dev.shoal.scheduler.model.NodeInfo;
import dev.shoal.scheduler.model.PortBinding;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The cluster as the scheduler sees it: nodes in a fixed order (by name, then id; the order breaks final ties),
 * their capacity, reservations, containers and bound ports. Node facts (labels, health, capacity) are fixed for the
 * snapshot's life; reservations, containers and ports change incrementally through {@link #reserve},
 * {@link #release}, {@link #addContainer} and {@link #removeContainer}, so a caller places task after task
 * without rebuilding it.
 *
 * <p>Sets of nodes are bitsets ({@code long[]}, bit i = node i). A rule's node set depends only on fixed facts, so it
 * is computed once per distinct rule and cached: labels are indexed by value, and a regex or glob is tried once per
 * distinct value, not once per node.
 *
 * <p>Not thread-safe; no I/O, no clock.
 */
public final class ClusterSnapshot {
    /**
     * Label capping the containers on a node (classic Swarm's containerslots filter): a node label, else the engine
     * label of that name (dockerd's {@code --label containerslots=N}, which classic Swarm read).
     */
    public static final String SLOTS_LABEL = "containerslots";

    private final int n;
    private final int words;
    private final String[] ids;
    private final String[] names;
    private final Health[] health;
    private final List<Map<String, String>> labels;
    private final List<Map<String, String>> engineLabels;
    final long[] totalCpu;
    final long[] totalMem;
    final long[] usedCpu;
    final long[] usedMem;
    final double[] invCpu;
    final double[] invMem;
    final int[] containers;
    final int[] slots;
    final boolean[] degraded;
    /** Per 64-node word: the most free memory / CPU on any node of the word that has a container slot left. */
    private final long[] freeMem;   // unreserved memory, -1 when no container slot is left
    private final long[] freeCpu;   // unreserved NanoCPUs, -1 when no container slot is left
    private final long[] usedBits;  // nodes with a container or a reservation
    private final long[] wordFreeMem;
    private final long[] wordFreeCpu;
    private final long[] schedulable;
    private final Map<String, Integer> byId = new HashMap<>();
    private final Map<String, Integer> byName = new HashMap<>();
    private final Map<String, Map<String, long[]>> valueIndex = new HashMap<>();
    private final Map<String, long[]> ruleCache = new HashMap<>();
    private final List<List<ContainerInfo>> known;
    private final List<List<ImageInfo>> images;
    private final Map<String, ContainerInfo> containerById = new HashMap<>();
    private final Map<String, Integer> nodeOfContainer = new HashMap<>();
    private final Map<String, String> idOfName = new HashMap<>();
    private final Map<String, long[]> portBits = new HashMap<>();
    /** Each node's host ports bound by work not in {@code known} ({@link NodeInfo#usedPorts}). */
    private final List<Set<String>> fixedPorts = new ArrayList<>();

    private ClusterSnapshot(List<NodeInfo> sorted) {
        n = sorted.size();
        words = (n + 63) >>> 6;
        ids = new String[n];
        names = new String[n];
        health = new Health[n];
        labels = new ArrayList<>(n);
        engineLabels = new ArrayList<>(n);
        totalCpu = new long[n];
        totalMem = new long[n];
        usedCpu = new long[n];
        usedMem = new long[n];
        invCpu = new double[n];
        invMem = new double[n];
        containers = new int[n];
        slots = new int[n];
        degraded = new boolean[n];
        schedulable = new long[words];
        known = new ArrayList<>(n);
        images = new ArrayList<>(n);
        wordFreeMem = new long[words];
        freeMem = new long[n];
        freeCpu = new long[n];
        usedBits = new long[words];
        wordFreeCpu = new long[words];
        for (int i = 0; i < n; i++) {
            NodeInfo node = sorted.get(i);
            if (byId.putIfAbsent(node.id(), i) != null) {
                throw new IllegalArgumentException("duplicate node id " + node.id());
            }
            byName.putIfAbsent(node.name(), i);
            ids[i] = node.id();
            names[i] = node.name();
            health[i] = node.health();
            labels.add(node.labels());
            engineLabels.add(node.engineLabels());
            totalCpu[i] = node.totalNanoCpus();
            totalMem[i] = node.totalMemory();
            invCpu[i] = node.totalNanoCpus() == 0 ? Double.POSITIVE_INFINITY : 1.0 / node.totalNanoCpus();
            invMem[i] = node.totalMemory() == 0 ? Double.POSITIVE_INFINITY : 1.0 / node.totalMemory();
            usedCpu[i] = node.reservedNanoCpus();
            usedMem[i] = node.reservedMemory();
            containers[i] = node.containerCount() - node.containers().size();
            String slotLabel = node.labels().get(SLOTS_LABEL);
            slots[i] = parseSlots(slotLabel != null ? slotLabel : node.engineLabels().get(SLOTS_LABEL));
            images.add(node.images());
            degraded[i] = node.health() == Health.DEGRADED;
            if (node.health().schedulable()) {
                schedulable[i >>> 6] |= 1L << i;
            }
            known.add(new ArrayList<>());
            fixedPorts.add(node.usedPorts());
            for (String port : node.usedPorts()) {
                portBits.computeIfAbsent(port, k -> new long[words])[i >>> 6] |= 1L << i;
            }
        }
        for (int i = 0; i < n; i++) {
            for (ContainerInfo c : sorted.get(i).containers()) {
                record(i, c);
                // saturating: reservations that would sum past Long.MAX_VALUE make the node full, never free
                usedCpu[i] = saturatedAdd(usedCpu[i], c.nanoCpus());
                usedMem[i] = saturatedAdd(usedMem[i], c.memory());
            }
        }
        for (int i = 0; i < n; i++) {
            refreshNode(i);
        }
        for (int w = 0; w < words; w++) {
            refreshWord(w);
        }
    }

    static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 ? (a < 0 ? Long.MIN_VALUE : Long.MAX_VALUE) : sum;
    }

    private void refreshNode(int i) {
        boolean slot = containers[i] < slots[i];
        freeMem[i] = slot ? totalMem[i] - usedMem[i] : -1;
        freeCpu[i] = slot ? totalCpu[i] - usedCpu[i] : -1;
        if (containers[i] == 0 && usedMem[i] == 0 && usedCpu[i] == 0) {
            usedBits[i >>> 6] &= ~(1L << i);
        } else {
            usedBits[i >>> 6] |= 1L << i;
        }
    }

    /** Bits of word {@code w} (nodes {@code 64w … 64w+63}) that are used: a container or a reservation on them. */
    public long usedWord(int w) {
        return usedBits[w];
    }

    private void refreshWord(int w) {
        long mem = -1;
        long cpu = -1;
        for (int i = w << 6, end = Math.min(n, i + 64); i < end; i++) {
            mem = Math.max(mem, freeMem[i]);
            cpu = Math.max(cpu, freeCpu[i]);
        }
        wordFreeMem[w] = mem;
        wordFreeCpu[w] = cpu;
    }

    /**
     * False when no node among the 64 of word {@code w} (nodes {@code 64w … 64w+63}) can fit the reservation, so a
     * scan skips the word; kept exact on every change.
     */
    public boolean wordMayFit(int w, long memory, long nanoCpus) {
        return wordFreeMem[w] >= memory && wordFreeCpu[w] >= nanoCpus;
    }

    /** A snapshot of the given nodes (any order; they are sorted by name, then id). */
    public static ClusterSnapshot of(Collection<NodeInfo> nodes) {
        List<NodeInfo> sorted = new ArrayList<>(nodes);
        sorted.sort(Comparator.comparing(NodeInfo::name).thenComparing(NodeInfo::id));
        return new ClusterSnapshot(sorted);
    }

    private static int parseSlots(String value) {
        if (value == null) {
            return Integer.MAX_VALUE;
        }
        try {
            int v = Integer.parseInt(value.strip());
            return v < 0 ? Integer.MAX_VALUE : v;
        } catch (NumberFormatException e) {
            return Integer.MAX_VALUE; // as classic Swarm: an unreadable slot count caps nothing
        }
    }

    // ---- reading ----

    public int size() {
        return n;
    }

    int words() {
        return words;
    }

    public String id(int node) {
        return ids[node];
    }

    public String name(int node) {
        return names[node];
    }

    public Health health(int node) {
        return health[node];
    }

    public long totalNanoCpus(int node) {
        return totalCpu[node];
    }

    public long totalMemory(int node) {
        return totalMem[node];
    }

    public long reservedNanoCpus(int node) {
        return usedCpu[node];
    }

    public long reservedMemory(int node) {
        return usedMem[node];
    }

    public int containerCount(int node) {
        return containers[node];
    }

    /** The cap from the {@code containerslots} label, {@link Integer#MAX_VALUE} if none. */
    public int slots(int node) {
        return slots[node];
    }

    /** Index of the node with this id, or -1. */
    public int indexOf(String nodeId) {
        Integer i = byId.get(nodeId);
        return i == null ? -1 : i;
    }

    public List<ContainerInfo> containersOn(int node) {
        return List.copyOf(known.get(node));
    }

    /** Nodes that are healthy or degraded (they may receive work). */
    long[] schedulableBits() {
        return schedulable;
    }

    /**
     * A constraint key's value on a node: {@code node} is handled by {@link #nodeMatches}; {@code node.id},
     * {@code node.name}/{@code node.hostname}; {@code node.labels.K} and {@code engine.labels.K} explicitly;
     * any other key is a node label, else an engine label (storagedriver, kernelversion, operatingsystem, …).
     */
    public String value(int node, String key) {
        switch (key) {
            case "node.id":
                return ids[node];
            case "node.name", "node.hostname":
                return names[node];
            default:
                break;
        }
        if (key.startsWith("node.labels.")) {
            return labels.get(node).get(key.substring("node.labels.".length()));
        }
        if (key.startsWith("engine.labels.")) {
            return engineLabels.get(node).get(key.substring("engine.labels.".length()));
        }
        String v = labels.get(node).get(key);
        return v != null ? v : engineLabels.get(node).get(key);
    }

    /** Whether a constraint on a node holds: the direct, per-node evaluation (reference for the index). */
    public boolean satisfies(int node, Expr rule) {
        if (rule.key().equals("node")) {
            boolean m = rule.matcher().matches(ids[node]) || rule.matcher().matches(names[node]);
            return rule.negated() != m;
        }
        return rule.test(value(node, rule.key()));
    }

    /** The nodes satisfying a constraint (shared, cached: do not modify). */
    public long[] constraintBits(Expr rule) {
        long[] cached = ruleCache.get(rule.canonical());
        if (cached != null) {
            return cached;
        }
        long[] positive = new long[words];
        String literal = rule.matcher().literal();
        if (rule.key().equals("node")) {
            if (literal != null) {
                setIfPresent(positive, byId.get(literal));
                setIfPresent(positive, byName.get(literal));
                for (int i = 0; i < n; i++) { // names may repeat
                    if (names[i].equals(literal)) {
                        set(positive, i);
                    }
                }
            } else {
                for (int i = 0; i < n; i++) {
                    if (rule.matcher().matches(ids[i]) || rule.matcher().matches(names[i])) {
                        set(positive, i);
                    }
                }
            }
        } else {
            Map<String, long[]> index = valueIndex.computeIfAbsent(rule.key(), this::buildIndex);
            if (literal != null) {
                long[] bits = index.get(literal);
                if (bits != null) {
                    System.arraycopy(bits, 0, positive, 0, words);
                }
            } else {
                for (var e : index.entrySet()) {
                    if (rule.matcher().matches(e.getKey())) {
                        or(positive, e.getValue());
                    }
                }
            }
        }
        long[] result = rule.negated() ? complement(positive) : positive;
        ruleCache.put(rule.canonical(), result);
        return result;
    }

    private Map<String, long[]> buildIndex(String key) {
        Map<String, long[]> index = new HashMap<>();
        for (int i = 0; i < n; i++) {
            String v = value(i, key);
            if (v != null) {
                set(index.computeIfAbsent(v, k -> new long[words]), i);
            }
        }
        return index;
    }

    // ---- containers, ports, dependencies ----

    /** The node holding the container with this id or name, or -1. */
    public int nodeOfContainer(String ref) {
        Integer i = nodeOfContainer.get(ref);
        if (i == null) {
            String id = idOfName.get(ref);
            i = id == null ? null : nodeOfContainer.get(id);
        }
        return i == null ? -1 : i;
    }

    /** Visits the known containers on a node (for affinities). */
    public void forEachContainer(int node, java.util.function.Consumer<ContainerInfo> action) {
        known.get(node).forEach(action);
    }

    /** The images the node's engine holds, as the caller gave them (empty if it did not look). */
    public List<ImageInfo> imagesOn(int node) {
        return images.get(node);
    }

    /** Whether the host port ({@code 80/tcp}) is bound on the node. */
    public boolean portBound(int node, String portKey) {
        long[] bits = portBits.get(portKey);
        return bits != null && get(bits, node);
    }

    /** The nodes where the host port is bound (null if none; shared: do not modify). */
    long[] portBits(String portKey) {
        return portBits.get(portKey);
    }

    // ---- changing ----

    /**
     * Classic Swarm's weight of placing the request on the node: its CPU share plus its memory share after placing
     * (1.0 = 100 %); a resource the request does not reserve counts as 1.0 on every node, as classic Swarm did,
     * so such requests are ranked by the other resource and then by container count.
     */
    public double weight(int node, long memory, long nanoCpus) {
        double cpu = nanoCpus > 0 ? (usedCpu[node] + nanoCpus) * invCpu[node] : 1.0;
        double mem = memory > 0 ? (usedMem[node] + memory) * invMem[node] : 1.0;
        return cpu + mem;
    }

    /** Degraded nodes rank after every healthy one. */
    public boolean degraded(int node) {
        return degraded[node];
    }

    /** Nothing reserved and no container: binpack opens such a node only when no used node fits. */
    public boolean empty(int node) {
        return containers[node] == 0 && usedMem[node] == 0 && usedCpu[node] == 0;
    }

    /** Whether the node has room for the reservation (memory, CPU and a container slot). */
    public boolean fits(int node, long memory, long nanoCpus) {
        return freeMem[node] >= memory && freeCpu[node] >= nanoCpus;
    }

    /**
     * Reserves an anonymous task's resources on a node and counts one more container there.
     *
     * @throws IllegalStateException if that would over-reserve the node (never happens after a placement on it)
     */
    public void reserve(int node, long memory, long nanoCpus) {
        if (memory < 0 || nanoCpus < 0) {
            throw new IllegalArgumentException("negative reservation");
        }
        if (!fits(node, memory, nanoCpus)) {
            throw new IllegalStateException("node " + names[node] + " cannot take " + memory + " B and "
                    + nanoCpus + " nanoCPUs (reserved " + usedMem[node] + "/" + totalMem[node] + " B, "
                    + usedCpu[node] + "/" + totalCpu[node] + " nanoCPUs, " + containers[node] + " containers)");
        }
        usedMem[node] = saturatedAdd(usedMem[node], memory);
        usedCpu[node] = saturatedAdd(usedCpu[node], nanoCpus);
        containers[node]++;
        refreshNode(node);
        refreshWord(node >>> 6);
    }

    /** Releases what {@link #reserve} reserved. */
    public void release(int node, long memory, long nanoCpus) {
        if (memory > usedMem[node] || nanoCpus > usedCpu[node] || containers[node] == 0) {
            throw new IllegalStateException("release of more than reserved on node " + names[node]);
        }
        usedMem[node] -= memory;
        usedCpu[node] -= nanoCpus;
        containers[node]--;
        refreshNode(node);
        refreshWord(node >>> 6);
    }

    /** Records a placed container: reserves its resources and takes its host ports. */
    public void addContainer(int node, ContainerInfo c) {
        if (containerById.containsKey(c.id())) {
            throw new IllegalStateException("container " + c.id() + " is already placed");
        }
        for (PortBinding p : c.ports()) {
            if (!p.random() && portBound(node, p.key())) {
                throw new IllegalStateException("port " + p.key() + " is already bound on node " + names[node]);
            }
        }
        reserve(node, c.memory(), c.nanoCpus());
        containers[node]--; // record() counts it
        record(node, c);
    }

    private void record(int node, ContainerInfo c) {
        known.get(node).add(c);
        containerById.put(c.id(), c);
        nodeOfContainer.put(c.id(), node);
        if (!c.name().isEmpty()) {
            idOfName.put(c.name(), c.id());
        }
        for (PortBinding p : c.ports()) {
            if (!p.random()) {
                set(portBits.computeIfAbsent(p.key(), k -> new long[words]), node);
            }
        }
        containers[node]++;
        refreshNode(node);
        refreshWord(node >>> 6);
    }

    /** Removes a container recorded with {@link #addContainer} (or given in a NodeInfo), releasing all it held. */
    public boolean removeContainer(String containerId) {
        ContainerInfo c = containerById.remove(containerId);
        if (c == null) {
            return false;
        }
        int node = nodeOfContainer.remove(containerId);
        known.get(node).remove(c);
        if (!c.name().isEmpty() && containerId.equals(idOfName.get(c.name()))) {
            idOfName.remove(c.name());
        }
        for (PortBinding p : c.ports()) {
            long[] bits = p.random() ? null : portBits.get(p.key());
            // the port stays bound while anything else on the node holds it (a snapshot may hold two that do)
            if (bits != null && !fixedPorts.get(node).contains(p.key()) && !bindsOn(node, p.key())) {
                bits[node >>> 6] &= ~(1L << node);
            }
        }
        release(node, c.memory(), c.nanoCpus());
        return true;
    }

    private boolean bindsOn(int node, String portKey) {
        for (ContainerInfo other : known.get(node)) {
            for (PortBinding q : other.ports()) {
                if (!q.random() && q.key().equals(portKey)) {
                    return true;
                }
            }
        }
        return false;
    }

    // ---- bitset helpers ----

    static void set(long[] bits, int i) {
        bits[i >>> 6] |= 1L << i;
    }

    static boolean get(long[] bits, int i) {
        return (bits[i >>> 6] & (1L << i)) != 0;
    }

    private static void setIfPresent(long[] bits, Integer i) {
        if (i != null) {
            set(bits, i);
        }
    }

    private static void or(long[] into, long[] from) {
        for (int w = 0; w < into.length; w++) {
            into[w] |= from[w];
        }
    }

    long[] complement(long[] bits) {
        long[] out = new long[words];
        for (int w = 0; w < words; w++) {
            out[w] = ~bits[w];
        }
        if ((n & 63) != 0 && words > 0) {
            out[words - 1] &= (1L << n) - 1;
        }
        return out;
    }

    long[] allBits() {
        return complement(new long[words]);
    }

    @Override
    public String toString() {
        return "ClusterSnapshot[" + n + " nodes]";
    }

    static int cardinality(long[] bits) {
        int c = 0;
        for (long w : bits) {
            c += Long.bitCount(w);
        }
        return c;
    }

    static String describe(long[] bits) {
        return Arrays.toString(bits);
    }
}
