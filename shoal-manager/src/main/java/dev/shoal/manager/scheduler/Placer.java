package dev.shoal.manager.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.manager.dispatcher.Dispatcher;
import dev.shoal.manager.engine.FanOut;
import dev.shoal.manager.state.ContainerIndex;
import dev.shoal.manager.errors.DockerException;
import dev.shoal.manager.dispatcher.EngineInfo;
import dev.shoal.manager.dispatcher.NodeStatus;
import dev.shoal.manager.engine.EngineClient;
import dev.shoal.manager.state.ClusterStore;
import dev.shoal.manager.state.ContainerRecord;
import dev.shoal.manager.state.Txn;
import dev.shoal.scheduler.ClusterSnapshot;
import dev.shoal.scheduler.Placement;
import dev.shoal.scheduler.Scheduler;
import dev.shoal.scheduler.model.ContainerInfo;
import dev.shoal.scheduler.model.Health;
import dev.shoal.scheduler.model.ImageInfo;
import dev.shoal.scheduler.model.NodeInfo;
import dev.shoal.scheduler.model.NodeSet;
import dev.shoal.scheduler.model.PortBinding;
import dev.shoal.scheduler.model.Request;
import dev.shoal.scheduler.strategy.BinpackStrategy;
import dev.shoal.scheduler.strategy.RandomStrategy;
import dev.shoal.scheduler.strategy.SpreadStrategy;
import dev.shoal.scheduler.strategy.Strategy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Places containers: builds a snapshot of the nodes (health, labels, engine facts, capacity) and of the containers
 * the manager placed (reservations, names, images, labels, ports), asks the pure {@link Scheduler}, and commits the
 * decision to the replicated state before any engine is called. Decide-and-commit runs under one lock, so two
 * creates never both take the last room on a node. What fits nowhere becomes a pending record (or, with
 * {@code --unschedulable=fail}, an error that leaves nothing behind); {@link #placePending} retries those.
 */
public final class Placer {
    private static final Logger log = LoggerFactory.getLogger(Placer.class);
    public enum WhenUnschedulable { QUEUE, FAIL }

    private final ClusterStore store;
    private final ContainerIndex containers;
    private final Dispatcher dispatcher;
    private final EngineClient engines;
    private final FanOut fanOut;
    private final SchedulerView view;
    private final ImageIndex images;
    private final Scheduler scheduler;
    private final WhenUnschedulable whenUnschedulable;
    private final boolean cpuSharesAsCores;
    private final Object lock = new Object();

    public Placer(ClusterStore store, ContainerIndex containers, Dispatcher dispatcher, FanOut fanOut,
                  String strategy, WhenUnschedulable whenUnschedulable, boolean cpuSharesAsCores) {
        this.store = store;
        this.containers = containers;
        this.dispatcher = dispatcher;
        this.engines = fanOut.engines();
        this.fanOut = fanOut;
        this.view = new SchedulerView(() -> snapshot(EngineFacts.NONE));
        this.images = new ImageIndex(engines, fanOut);
        store.onEvent(view::onEvent);
        store.onEvent(e -> {
            if (e instanceof dev.shoal.manager.state.StateEvent.NodeTransition t) {
                images.forget(t.nodeId());
            }
        });
        dispatcher.onFactsChanged(view::invalidate);
        this.scheduler = new Scheduler(strategy(strategy));
        this.whenUnschedulable = whenUnschedulable;
        this.cpuSharesAsCores = cpuSharesAsCores;
    }

    public static Strategy strategy(String name) {
        return switch (name) {
            case "spread" -> new SpreadStrategy();
            case "binpack" -> new BinpackStrategy();
            case "random" -> new RandomStrategy(System.nanoTime());
            default -> throw new IllegalArgumentException("unknown strategy \"" + name
                    + "\": choose spread, binpack or random");
        };
    }

    public String strategyName() {
        return scheduler.strategy().name();
    }

    public boolean cpuSharesAsCores() {
        return cpuSharesAsCores;
    }

    /** The outcome of a create: the engine's answer for a placed container, or the pending record. */
    public sealed interface Created {
        record OnNode(ContainerRecord record, JsonNode engineReply) implements Created { }

        record Pending(ContainerRecord record, Placement.Unschedulable why) implements Created { }
    }

    /**
     * Places and creates a container for a create request whose body {@code spec} was already read into
     * {@code request}. The body gets the swarm ID label. Throws {@link DockerException} (nothing left behind) for a
     * name in use, an image no node has, an unschedulable request with {@code --unschedulable=fail} or
     * {@code failFast} (the client will attach: a foreground run must fail at once, not wait), or the engine's
     * refusal.
     */
    public Created create(String swarmId, String name, String image, CreateSpec request, ObjectNode spec,
                          boolean failFast, java.util.function.Supplier<String> freshName) {
        labels(spec).put(ContainerRecord.SWARM_ID_LABEL, swarmId);
        List<NodeStatus> healthy = dispatcher.healthyNodes();
        Request r = request.request();
        List<String> fresh = new ArrayList<>();
        if (!healthy.isEmpty()) {
            Set<String> withImage = nodesWithImage(healthy, image);
            if (withImage.isEmpty()) {
                throw DockerException.noSuchImage(image);
            }
            r = withVolumes(r.onlyOn(imageSet(image, withImage)), request.volumes(), healthy, fresh);
        }
        Map<String, String> labels = new HashMap<>(request.labels());
        labels.put(ContainerRecord.SWARM_ID_LABEL, swarmId);
        EngineFacts facts = engineFacts(r, healthy);
        ContainerRecord record;
        Placement decision;
        Txn txn;
        // the decision is made under the lock and held in the kept snapshot at once, so the next decision sees it;
        // the commit runs outside the lock (commits of concurrent creates share the log's writes), except when the
        // create gives a new named volume a node, which must not race another create of that volume
        boolean commitUnderLock = !fresh.isEmpty();
        synchronized (lock) {
            decision = place(facts, reservedVolumes(r, fresh));
            String finalName = name != null ? name : freshName.get();
            if (decision instanceof Placement.Unschedulable u) {
                if (failFast || whenUnschedulable == WhenUnschedulable.FAIL) {
                    throw new DockerException(500, u.message());
                }
                record = ContainerRecord.pending(swarmId, finalName, image, request.memory(), request.nanoCpus(),
                        labels, request.ports(), spec, u.message()).withReschedule(request.reschedule());
            } else {
                record = ContainerRecord.placed(swarmId, finalName, ((Placement.Placed) decision).nodeId(), image,
                        request.memory(), request.nanoCpus(), labels, request.ports()).withSpec(spec)
                        .withReschedule(request.reschedule());
            }
            Txn.Builder builder = Txn.builder()
                    .requireAbsent(ContainerRecord.nameKey(finalName))
                    .put(record.key(), ClusterStore.toJson(record))
                    .put(ContainerRecord.nameKey(finalName), swarmId);
            if (!record.isPending()) {
                reserveVolumes(builder, fresh, record.nodeId());
                view.hold(record);
            }
            txn = builder.build();
            if (commitUnderLock) {
                commitCreate(record, txn);
            }
        }
        if (!commitUnderLock) {
            commitCreate(record, txn);
        }
        if (decision instanceof Placement.Unschedulable u) {
            log.info("container {} is pending: {}", record.name(), u.detail());
            return new Created.Pending(record, u);
        }
        NodeStatus node = dispatcher.node(record.nodeId()).orElseThrow();
        EngineClient.Reply reply;
        RuntimeException failure = null;
        try {
            reply = createOnEngine(node, record, spec);
        } catch (RuntimeException e) {
            reply = null;
            failure = e;
        }
        if (reply == null || lost(reply)) {
            // the engine may have made it: ask before the record changes, so it is never orphaned nor made twice
            Lookup found = lookUp(node, record.swarmId());
            if (found.engineId() != null) {
                log.info("container {}: create answer lost, found it on {} ({})", record.name(), node.name(),
                        found.engineId());
                ContainerRecord done = record.withEngineId(found.engineId());
                store.commit(Txn.builder().put(done.key(), ClusterStore.toJson(done)).build());
                ObjectNode answer = ClusterStore.JSON.createObjectNode().put("Id", found.engineId());
                answer.putArray("Warnings");
                return new Created.OnNode(done, answer);
            }
            if (!found.answered()) {
                // kept, without an engine ID: the reconciler adopts it or frees the name once the node answers
                throw new DockerException(502, "node " + node.name() + " did not answer the create ("
                        + (failure != null ? failure.getMessage() : reply.message()) + ") nor say whether it made the"
                        + " container; the manager adopts it if it did, or frees the name " + record.name()
                        + ", once the node answers");
            }
        }
        if (failure != null) {
            forget(record);
            throw failure;
        }
        if (!reply.ok()) {
            forget(record);
            throw reply.asError();
        }
        JsonNode created = reply.json();
        ContainerRecord done = record.withEngineId(created.path("Id").asText());
        store.commit(Txn.builder().put(done.key(), ClusterStore.toJson(done)).build());
        return new Created.OnNode(done, created);
    }

    /**
     * Tries once to place every pending record, oldest first. A record placed here is created on its node and
     * started if a start was asked while it waited. Returns how many were placed.
     */
    public int placePending() {
        List<ContainerRecord> pending = containers.pending().stream()
                .sorted(java.util.Comparator.comparingLong(ContainerRecord::createdAtMillis))
                .toList();
        if (pending.isEmpty()) {
            return 0;
        }
        List<NodeStatus> healthy = dispatcher.healthyNodes();
        Map<String, Set<String>> imageNodes = new HashMap<>();
        // the engines' images, asked once per pass if a pending record needs them
        AtomicReference<Map<String, List<ImageInfo>>> images = new AtomicReference<>();
        // decisions one at a time, oldest first (each sees the ones before it); the engines then make them at once,
        // so a lost node's thirty containers are not created one after another
        java.util.concurrent.atomic.AtomicInteger placed = new java.util.concurrent.atomic.AtomicInteger();
        java.util.concurrent.Semaphore making = new java.util.concurrent.Semaphore(MAKING_AT_ONCE);
        try (var makers = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            for (ContainerRecord rec : pending) {
                try {
                    Decided d = decideOne(rec, healthy, imageNodes, images);
                    if (d != null) {
                        making.acquireUninterruptibly();
                        makers.execute(() -> {
                            try {
                                if (makeOne(d.placed(), d.spec())) {
                                    placed.incrementAndGet();
                                }
                            } catch (RuntimeException e) {
                                log.warn("making pending container {} failed: {}", rec.name(), e.toString());
                            } finally {
                                making.release();
                            }
                        });
                    }
                } catch (RuntimeException e) {
                    log.warn("placing pending container {} failed: {}", rec.name(), e.toString());
                }
            }
        }
        return placed.get();
    }

    /** Pending containers being created on engines at once in one pass. */
    private static final int MAKING_AT_ONCE = 32;

    /** A pending record placed on a node (committed), and the create body to make it with. */
    private record Decided(ContainerRecord placed, ObjectNode spec) { }

    /** Places {@code rec} and commits it placed; null when nothing fits, or it was removed or placed meanwhile. */
    private Decided decideOne(ContainerRecord rec, List<NodeStatus> healthy, Map<String, Set<String>> imageNodes,
                              AtomicReference<Map<String, List<ImageInfo>>> images) {
        ObjectNode spec = rec.spec() instanceof ObjectNode o ? o.deepCopy() : ClusterStore.JSON.createObjectNode();
        CreateSpec parsed = CreateSpec.from(spec, cpuSharesAsCores);
        Request r = parsed.request();
        List<String> fresh = new ArrayList<>();
        if (!healthy.isEmpty()) {
            Set<String> withImage = imageNodes.computeIfAbsent(rec.image(), img -> nodesWithImage(healthy, img));
            r = withVolumes(r.onlyOn(imageSet(rec.image(), withImage)), parsed.volumes(), healthy, fresh);
        }
        EngineFacts facts = engineFacts(r, healthy, images);
        ContainerRecord placed;
        synchronized (lock) {
            ContainerRecord current = containers.exact(rec.swarmId()).orElse(null);
            if (current == null || !current.isPending()) {
                return null; // removed or placed meanwhile
            }
            Placement decision = place(facts, reservedVolumes(r, fresh));
            if (decision instanceof Placement.Unschedulable u) {
                if (!u.message().equals(current.pendingReason())) {
                    replace(current, current.withPendingReason(u.message()));
                }
                return null;
            }
            placed = current.placedOn(((Placement.Placed) decision).nodeId());
            Txn.Builder txn = Txn.builder().requireValue(current.key(), ClusterStore.toJson(current))
                    .put(placed.key(), ClusterStore.toJson(placed));
            reserveVolumes(txn, fresh, placed.nodeId());
            if (store.commit(txn.build()).isPresent()) {
                return null;
            }
        }
        return new Decided(placed, spec);
    }

    /** Creates a placed record's container on its node (and starts it if it is to run); true once it is made. */
    private boolean makeOne(ContainerRecord placed, ObjectNode spec) {
        NodeStatus node = dispatcher.node(placed.nodeId()).orElseThrow();
        EngineClient.Reply reply;
        String failure = null;
        try {
            reply = createOnEngine(node, placed, spec);
        } catch (RuntimeException e) {
            reply = null;
            failure = e.getMessage();
        }
        String engineId = reply != null && reply.ok() ? reply.json().path("Id").asText() : null;
        if (reply == null || lost(reply)) {
            Lookup found = lookUp(node, placed.swarmId());
            if (!found.answered()) {
                // left placed without an engine ID: the reconciler adopts it, or puts it back to wait
                log.warn("pending container {}: {} did not answer whether it made it", placed.name(), node.name());
                return false;
            }
            engineId = found.engineId();
        }
        if (engineId == null) {
            replace(placed, placed.unplaced(failure != null ? "node " + node.name() + " could not create it: "
                    + failure : "node " + node.name() + " refused it: " + reply.message()));
            return false;
        }
        ContainerRecord created = placed.withEngineId(engineId);
        if (!replace(placed, created)) {
            // removed (docker rm) while its engine created it: nobody holds a record for it, so it goes too
            engines.delete(node.record().address(), "/containers/" + created.engineId() + "?force=1");
            return false;
        }
        log.info("pending container {} placed on {}", created.name(), node.name());
        if (placed.desiredRunning()) {
            EngineClient.Reply started = engines.post(node.record().address(),
                    "/containers/" + created.engineId() + "/start", null);
            if (!started.ok() && started.status() != 304) {
                log.warn("pending container {} created on {} but did not start: {}", created.name(), node.name(),
                        started.message());
            }
        }
        return true;
    }

    /**
     * Changes a placed container's reservation ({@code docker update --memory/--cpus}); 0 keeps a value. Refused
     * with 409, before the engine is asked, if the node cannot hold the new reservation. {@code apply} asks the
     * engine; if it refuses, the old reservation is put back.
     */
    public EngineClient.Reply updateReservation(ContainerRecord rec, long memory, long nanoCpus,
                                                java.util.function.Supplier<EngineClient.Reply> apply) {
        ContainerRecord before;
        ContainerRecord after;
        synchronized (lock) {
            before = containers.exact(rec.swarmId()).orElse(rec);
            long mem = memory > 0 ? memory : before.memoryBytes();
            long cpu = nanoCpus > 0 ? nanoCpus : before.nanoCpus();
            ContainerRecord was = before;
            view.read(s -> {
                checkRoom(s, was, mem, cpu);
                return null;
            });
            after = before.withReservation(mem, cpu);
            if (!after.equals(before) && !replace(before, after)) {
                throw DockerException.conflict("container " + before.name() + " changed meanwhile; try again");
            }
        }
        EngineClient.Reply reply = apply.get();
        if (!reply.ok() && !after.equals(before)) {
            synchronized (lock) {
                replace(after, before);
            }
        }
        return reply;
    }

    /** Refuses (409) a new reservation the container's node cannot hold beside the others there. */
    private static void checkRoom(ClusterSnapshot s, ContainerRecord rec, long mem, long cpu) {
        int node = s.indexOf(rec.nodeId());
        if (node < 0) {
            return;
        }
        // compared as "what is left", never as a sum: a request near Long.MAX_VALUE cannot wrap around
        long otherMem = Math.max(0, s.reservedMemory(node) - rec.memoryBytes());
        long otherCpu = Math.max(0, s.reservedNanoCpus(node) - rec.nanoCpus());
        if (mem > rec.memoryBytes() && mem > s.totalMemory(node) - otherMem) {
            throw DockerException.conflict("insufficient memory on " + s.name(node) + " to reserve "
                    + mem + " bytes for " + rec.name() + ": " + otherMem + " of " + s.totalMemory(node)
                    + " bytes are reserved by other containers");
        }
        if (cpu > rec.nanoCpus() && cpu > s.totalNanoCpus(node) - otherCpu) {
            throw DockerException.conflict("insufficient CPU on " + s.name(node) + " to reserve "
                    + cpu / 1e9 + " CPUs for " + rec.name() + ": " + otherCpu / 1e9 + " of "
                    + s.totalNanoCpus(node) / 1e9 + " are reserved by other containers");
        }
    }

    /** Commits a new record; 409 if its name is taken. The snapshot's hold on it ends either way. */
    private void commitCreate(ContainerRecord record, Txn txn) {
        Optional<String> conflict;
        try {
            conflict = store.commit(txn);
        } catch (RuntimeException e) {
            view.release(record, false);
            throw e;
        }
        view.release(record, conflict.isEmpty());
        if (conflict.isPresent()) {
            throw DockerException.conflict("Conflict. The container name \"/" + record.name()
                    + "\" is already in use. You have to remove (or rename) that container to be able to reuse"
                    + " that name.");
        }
    }

    /** A reply that does not tell whether the engine made the container: the agent could not reach or hear it. */
    private static boolean lost(EngineClient.Reply reply) {
        return reply.status() == 502 || reply.status() == 503 || reply.status() == 504;
    }

    /** What the node says of a container by its swarm ID: its engine ID, absent ({@code answered}), or no answer. */
    record Lookup(boolean answered, String engineId) { }

    /** Looks the container up on its node by the {@code com.docker.swarm.id} label every create carries. */
    Lookup lookUp(NodeStatus node, String swarmId) {
        try {
            EngineClient.Reply r = engines.get(node.record().address(), "/containers/json?all=1&filters="
                    + FanOut.encode("{\"label\":[\"" + ContainerRecord.SWARM_ID_LABEL + "=" + swarmId + "\"]}"));
            if (!r.ok()) {
                return new Lookup(false, null);
            }
            for (JsonNode c : r.json()) {
                if (swarmId.equals(c.path("Labels").path(ContainerRecord.SWARM_ID_LABEL).asText())) {
                    return new Lookup(true, c.path("Id").asText());
                }
            }
            return new Lookup(true, null);
        } catch (RuntimeException e) {
            return new Lookup(false, null);
        }
    }

    private EngineClient.Reply createOnEngine(NodeStatus node, ContainerRecord rec, ObjectNode spec) {
        return engines.post(node.record().address(),
                "/containers/create?name=" + FanOut.encode(rec.name()), ClusterStore.jsonBytes(spec));
    }

    /** A decision alone, nothing committed (a volume's node). */
    public Placement decide(Request r) {
        EngineFacts facts = engineFacts(r, dispatcher.healthyNodes());
        synchronized (lock) {
            return place(facts, r);
        }
    }

    /**
     * A named volume that exists pins the container to the node(s) holding it, so data never forks; one that does
     * not exist yet is made by the engine of whichever node the container lands on.
     */
    private Request withVolumes(Request r, List<String> volumes, List<NodeStatus> healthy, List<String> fresh) {
        for (String volume : volumes) {
            List<NodeStatus> holding = fanOut.holders(healthy, "/volumes/", volume);
            if (!holding.isEmpty()) {
                Set<String> ids = new HashSet<>();
                holding.forEach(n -> ids.add(n.id()));
                r = r.onlyOn(new NodeSet(ids, "volume " + volume + " present", "volume " + volume + " missing on"));
            } else {
                fresh.add(volume);
            }
        }
        return r;
    }

    /** {@code volume/NAME} holds the node a new named volume was given, before any engine was asked to make it. */
    public static final String VOLUME_PREFIX = dev.shoal.manager.state.StateEvent.VolumeChanged.KEY_PREFIX;

    /**
     * Under the lock: a volume no node holds yet but that another create already gave a node (its engine may not
     * have made it yet) pins this request to that node too, so one name never becomes two volumes.
     */
    private Request reservedVolumes(Request r, List<String> fresh) {
        for (String volume : fresh) {
            Optional<String> node = store.get(VOLUME_PREFIX + volume)
                    .filter(id -> dispatcher.node(id).map(NodeStatus::healthy).orElse(false));
            if (node.isPresent()) {
                r = r.onlyOn(new NodeSet(Set.of(node.get()), "volume " + volume + " being made",
                        "volume " + volume + " being made elsewhere, missing on"));
            }
        }
        return r;
    }

    /** Adds to {@code txn} the reservation of each new volume for {@code nodeId} (in the same commit as the record). */
    private void reserveVolumes(Txn.Builder txn, List<String> fresh, String nodeId) {
        for (String volume : fresh) {
            String key = VOLUME_PREFIX + volume;
            Optional<String> held = store.get(key);
            if (held.isEmpty()) {
                txn.requireAbsent(key).put(key, nodeId);
            } else if (!held.get().equals(nodeId)) {
                txn.requireValue(key, held.get()).put(key, nodeId); // its node is gone: the name moves with it
            }
        }
    }

    /**
     * The node for a new named volume ({@code docker volume create NAME} of a name no node holds): the node already
     * reserved for that name if it is healthy, else the scheduler's choice, reserved in the store before any engine
     * is asked. Concurrent creates of one name get one node.
     */
    public Placement volumeNode(String volume, Request r) {
        synchronized (lock) {
            List<String> fresh = List.of(volume);
            Placement p = place(EngineFacts.NONE, reservedVolumes(r, fresh));
            if (p instanceof Placement.Placed placed) {
                Txn.Builder txn = Txn.builder();
                reserveVolumes(txn, fresh, placed.nodeId());
                Txn t = txn.build();
                if (!t.ops().isEmpty() && store.commit(t).isPresent()) {
                    throw DockerException.conflict("volume " + volume + " changed meanwhile; try again");
                }
            }
            return p;
        }
    }

    /** Forgets the reservation of a volume removed from {@code nodeId}. */
    public void volumeRemoved(String volume, String nodeId) {
        store.commit(Txn.builder().requireValue(VOLUME_PREFIX + volume, nodeId)
                .delete(VOLUME_PREFIX + volume).build());
    }

    /**
     * Records the run state the user asked ({@code docker start}/{@code restart}: running; {@code stop}/{@code kill}:
     * not), before the engine is asked: a pending container starts once placed if it is to run; a placed one is
     * started again where it is made again. Nothing is written when it is already so.
     */
    public void desireRunning(ContainerRecord rec, boolean running) {
        for (int attempt = 0; attempt < 3; attempt++) {
            ContainerRecord current = containers.exact(rec.swarmId()).orElse(null);
            if (current == null || current.desiredRunning() == running
                    || replace(current, current.withDesiredRunning(running))) {
                return;
            }
        }
        log.warn("container {}: its desired run state changed under three tries; left as it is", rec.name());
    }

    /** Removes a pending container's record. True if it was still pending. */
    public boolean cancel(ContainerRecord rec) {
        synchronized (lock) {
            ContainerRecord current = containers.exact(rec.swarmId()).orElse(null);
            if (current == null || !current.isPending()) {
                return false;
            }
            forget(current);
            return true;
        }
    }

    /**
     * What a decision needs to know fresh from the engines, beyond the heartbeats: the images each holds (only for a
     * request with an {@code affinity:image} rule) and the engine's own {@code /info} (only for nodes whose slots are
     * capped, so containers made on the engine behind the manager's back count at once).
     */
    record EngineFacts(Map<String, List<ImageInfo>> images, Map<String, EngineInfo> info) {
        static final EngineFacts NONE = new EngineFacts(Map.of(), Map.of());
    }

    private EngineFacts engineFacts(Request r, List<NodeStatus> healthy) {
        return engineFacts(r, healthy, null);
    }

    /** As above; {@code images}, if given, keeps the images once asked (one pass over the pending records). */
    private EngineFacts engineFacts(Request r, List<NodeStatus> healthy,
                                    AtomicReference<Map<String, List<ImageInfo>>> images) {
        if (healthy.isEmpty()) {
            return EngineFacts.NONE;
        }
        boolean imageRule = r.affinities().stream().anyMatch(e -> e.key().equals("image"));
        List<NodeStatus> capped = healthy.stream().filter(n -> n.record().labels().containsKey(
                ClusterSnapshot.SLOTS_LABEL) || n.engine().engineLabels().containsKey(ClusterSnapshot.SLOTS_LABEL)).toList();
        if (!imageRule && capped.isEmpty()) {
            return EngineFacts.NONE;
        }
        Map<String, List<ImageInfo>> held = Map.of();
        if (imageRule) {
            held = images == null ? imagesOn(healthy)
                    : images.updateAndGet(m -> m != null ? m : imagesOn(healthy));
        }
        // /info is asked again for every decision: a container placed a moment ago must count on its node
        return new EngineFacts(held, capped.isEmpty() ? Map.of() : infoOf(capped));
    }

    /**
     * The images each node's engine holds ({@code GET /images/json} on each, at once). One small method on purpose:
     * an event-fed image index replaces this fan-out later.
     */
    private Map<String, List<ImageInfo>> imagesOn(List<NodeStatus> nodes) {
        Map<String, List<ImageInfo>> out = new HashMap<>();
        for (var r : fanOut.call(nodes, n -> engines.get(n.record().address(), "/images/json"))) {
            if (r.ok() && r.value().ok()) {
                out.put(r.node().id(), images(r.value().json()));
            }
        }
        return out;
    }

    /** An engine's {@code GET /images/json} answer as the scheduler's image facts. */
    static List<ImageInfo> images(JsonNode list) {
        List<ImageInfo> images = new ArrayList<>();
        for (JsonNode image : list) {
            List<String> tags = new ArrayList<>();
            image.path("RepoTags").forEach(t -> tags.add(t.asText()));
            List<String> digests = new ArrayList<>();
            image.path("RepoDigests").forEach(d -> digests.add(d.asText()));
            images.add(new ImageInfo(image.path("Id").asText(""), tags, digests));
        }
        return images;
    }

    /** Each node's fresh {@code GET /info} (nodes that do not answer keep their heartbeat's). */
    private Map<String, EngineInfo> infoOf(List<NodeStatus> nodes) {
        Map<String, EngineInfo> out = new HashMap<>();
        for (var r : fanOut.call(nodes, n -> engines.get(n.record().address(), "/info"))) {
            if (r.ok() && r.value().ok()) {
                out.put(r.node().id(), EngineInfo.of(r.value().json()));
            }
        }
        return out;
    }

    /**
     * A decision on the kept snapshot ({@link SchedulerView}), or, when it needs facts fresh from the engines (images
     * for an image affinity, {@code /info} of capped nodes), on a snapshot built with them.
     */
    private Placement place(EngineFacts facts, Request r) {
        if (facts == EngineFacts.NONE) {
            return view.read(s -> scheduler.place(s, r));
        }
        return scheduler.place(snapshot(facts), r);
    }

    /** The snapshot a decision is made on, built from scratch: every node (unhealthy ones get nothing) and every placed record. */
    ClusterSnapshot snapshot(EngineFacts facts) {
        Map<String, List<ContainerRecord>> byNode = new HashMap<>();
        for (ContainerRecord rec : containers.all()) {
            if (!rec.isPending()) {
                byNode.computeIfAbsent(rec.nodeId(), k -> new ArrayList<>()).add(rec);
            }
        }
        List<NodeInfo> nodes = new ArrayList<>();
        for (NodeStatus n : dispatcher.nodes()) {
            nodes.add(nodeInfo(n, facts.info().getOrDefault(n.id(), n.engine()),
                    byNode.getOrDefault(n.id(), List.of()), facts.images().getOrDefault(n.id(), List.of())));
        }
        return ClusterSnapshot.of(nodes);
    }

    /**
     * One node as the scheduler sees it. On a node whose slots are capped ({@code containerslots}, node or engine
     * label) its container count is the manager's records there plus the containers its engine has that the manager
     * did not create: {@code records + max(0, engine's Containers − records created on the engine)}, never less than
     * {@code max(records, engine's Containers)} — so containers made on the engine directly take slots too (classic
     * Swarm counted every container the engine had). Elsewhere the count is the records alone: the engine count
     * would only reorder spread, and without a fan-out it is the heartbeat's, up to 12 s old.
     */
    static NodeInfo nodeInfo(NodeStatus n, EngineInfo engine, List<ContainerRecord> records,
                             List<ImageInfo> images) {
        List<ContainerInfo> containers = new ArrayList<>();
        int created = 0;
        for (ContainerRecord rec : records) {
            if (rec.engineId() != null) {
                created++;
            }
            containers.add(containerInfo(rec));
        }
        Map<String, String> engineLabels = engine.engineLabels();
        boolean capped = n.record().labels().containsKey(ClusterSnapshot.SLOTS_LABEL)
                || engineLabels.containsKey(ClusterSnapshot.SLOTS_LABEL);
        int foreign = capped ? Math.max(0, engine.containers() - created) : 0;
        return new NodeInfo(n.id(), n.name(), n.healthy() ? Health.HEALTHY : Health.DOWN,
                n.record().labels(), engineLabels, engine.cpus() * 1_000_000_000L,
                engine.memoryBytes(), 0, 0, containers.size() + foreign, Set.of(), containers, images);
    }

    /** A placed record as the scheduler sees it: known by its engine ID once created, else by its swarm ID. */
    static ContainerInfo containerInfo(ContainerRecord rec) {
        return new ContainerInfo(rec.engineId() != null ? rec.engineId() : rec.swarmId(), rec.name(),
                rec.image(), rec.labels(), rec.ports().stream().map(Placer::portBinding).toList(),
                rec.memoryBytes(), rec.nanoCpus());
    }

    private static PortBinding portBinding(String key) {
        int slash = key.indexOf('/');
        return new PortBinding(Integer.parseInt(slash < 0 ? key : key.substring(0, slash)),
                slash < 0 ? "tcp" : key.substring(slash + 1));
    }

    private static NodeSet imageSet(String image, Set<String> nodeIds) {
        return new NodeSet(nodeIds, "image " + image + " present", "image " + image + " missing on");
    }

    private Set<String> nodesWithImage(List<NodeStatus> nodes, String image) {
        return images.nodesWith(nodes, image);
    }

    /** Which node holds which image (the API marks it stale after image calls it passes on). */
    public ImageIndex images() {
        return images;
    }

    private boolean replace(ContainerRecord current, ContainerRecord next) {
        return store.commit(Txn.builder()
                .requireValue(current.key(), ClusterStore.toJson(current))
                .put(next.key(), ClusterStore.toJson(next))
                .build()).isEmpty();
    }

    private void forget(ContainerRecord rec) {
        store.commit(Txn.builder()
                .delete(rec.key())
                .delete(ContainerRecord.nameKey(rec.name()))
                .build());
    }

    private static ObjectNode labels(ObjectNode spec) {
        return spec.has("Labels") && spec.get("Labels").isObject()
                ? (ObjectNode) spec.get("Labels") : spec.putObject("Labels");
    }
}
