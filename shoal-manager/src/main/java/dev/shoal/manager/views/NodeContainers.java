package dev.shoal.manager.views;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One node's containers as its engine lists them, by engine ID. Only the node's watch changes the entries (one
 * writer, so an event's refresh and a later {@code destroy} apply in their order). A container the engine changed
 * is <em>marked</em> (by an event, or by the manager after it changed the container for a caller) until the watch
 * has fetched it again; {@link #sync()} waits until every mark made before the call is refreshed, so a caller's
 * next list shows its own change.
 */
public final class NodeContainers {
    private final String nodeId;
    private final ContainerViews owner;
    private final Map<String, ContainerEntry> byId = new ConcurrentHashMap<>();
    private final Set<String> marked = ConcurrentHashMap.newKeySet();
    private final ConcurrentLinkedQueue<String> destroyed = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<CompletableFuture<Void>> waiters = new ConcurrentLinkedQueue<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition work = lock.newCondition();
    /** True while the watch refreshes marks it has taken (then a list must wait for the round, see sync). */
    private volatile boolean inRound;
    private volatile boolean ready;
    /** Image events seen (and loads): the image IDs fetched as of a count are current while it holds. */
    private final java.util.concurrent.atomic.AtomicLong imageChanges = new java.util.concurrent.atomic.AtomicLong();
    private volatile ImageIds images;

    private record ImageIds(Set<String> ids, long asOf) { }

    /** Containers on the node by state, as dockerd's info counts them. */
    public record Counts(int total, int running, int paused, int stopped) { }

    NodeContainers(String nodeId, ContainerViews owner) {
        this.nodeId = nodeId;
        this.owner = owner;
    }

    public String nodeId() {
        return nodeId;
    }

    /** Loaded from the engine and following its events: its entries may answer a list. */
    public boolean ready() {
        return ready;
    }

    public Collection<ContainerEntry> entries() {
        return byId.values();
    }

    public Optional<ContainerEntry> entry(String engineId) {
        return Optional.ofNullable(byId.get(engineId));
    }

    public int size() {
        return byId.size();
    }

    public Counts counts() {
        int total = 0, running = 0, paused = 0;
        for (ContainerEntry e : byId.values()) {
            total++;
            if (e.state().paused()) {
                paused++;
            } else if (e.state().running()) {
                running++;
            }
        }
        return new Counts(total, running, paused, total - running - paused);
    }

    /** How many image changes the node has had: pass it to {@link #imageIds(Set, long)} with a fetch started after. */
    public long imageChanges() {
        return imageChanges.get();
    }

    /** The node's image IDs, if fetched since its last image event. */
    public Optional<Set<String>> imageIds() {
        ImageIds i = images;
        return i != null && i.asOf() == imageChanges.get() ? Optional.of(i.ids()) : Optional.empty();
    }

    /** Keeps image IDs fetched after {@code asOf} was read from {@link #imageChanges()}. */
    public void imageIds(Set<String> ids, long asOf) {
        images = new ImageIds(Set.copyOf(ids), asOf);
    }

    void imageEvent() {
        imageChanges.incrementAndGet();
    }

    /** The container changed on the engine: fetch it again before the next list answers. */
    public void mark(String engineId) {
        if (engineId == null || engineId.isEmpty()) {
            return;
        }
        marked.add(engineId);
        wake();
    }

    /**
     * Completes once every container marked before this call has been fetched again (at once when none is
     * marked); fails when the node's watch stops first.
     */
    public CompletableFuture<Void> sync() {
        if (!ready) {
            return CompletableFuture.failedFuture(new IllegalStateException("view of " + nodeId + " is not ready"));
        }
        // a mark is in `marked` or taken by a round (inRound is set before marks are taken)
        if (marked.isEmpty() && destroyed.isEmpty() && !inRound) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> f = new CompletableFuture<>();
        waiters.add(f);
        wake();
        if (!ready) {
            f.completeExceptionally(new IllegalStateException("view of " + nodeId + " stopped"));
        }
        return f;
    }

    // ---- the watch's side -----------------------------------------------------------------------------------

    void destroyedEvent(String engineId) {
        destroyed.add(engineId);
        wake();
    }

    private void wake() {
        lock.lock();
        try {
            work.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Waits (at most {@code millis}) until there is something to do: marks, removals or waiters. */
    void awaitWork(long millis) throws InterruptedException {
        lock.lock();
        try {
            if (marked.isEmpty() && destroyed.isEmpty() && waiters.isEmpty()) {
                work.await(millis, java.util.concurrent.TimeUnit.MILLISECONDS);
            }
        } finally {
            lock.unlock();
        }
    }

    /** One round: the waiters so far, the removals and marks so far; {@code refresh} fetches the marked ones. */
    void round(java.util.function.Consumer<Set<String>> refresh) {
        inRound = true;
        try {
            List<CompletableFuture<Void>> round = drain(waiters);
            for (String id : drain(destroyed)) {
                marked.remove(id);
                remove(id);
            }
            Set<String> ids = new java.util.HashSet<>();
            for (String id : List.copyOf(marked)) {
                if (marked.remove(id)) {
                    ids.add(id);
                }
            }
            try {
                if (!ids.isEmpty()) {
                    refresh.accept(ids);
                }
            } catch (RuntimeException e) {
                marked.addAll(ids); // tried again next round
                round.forEach(f -> f.completeExceptionally(e));
                throw e;
            }
            round.forEach(f -> f.complete(null));
        } finally {
            inRound = false;
        }
    }

    private static <T> List<T> drain(ConcurrentLinkedQueue<T> q) {
        List<T> out = new java.util.ArrayList<>();
        for (T t; (t = q.poll()) != null; ) {
            out.add(t);
        }
        return out;
    }

    void put(ContainerEntry e) {
        ContainerEntry old = byId.put(e.engineId(), e);
        owner.indexed(old, e);
        owner.entryChanged(nodeId, old, e);
    }

    void remove(String engineId) {
        ContainerEntry old = byId.remove(engineId);
        if (old != null) {
            owner.indexed(old, null);
            owner.entryChanged(nodeId, old, null);
        }
    }

    /** Replaces every entry with a fresh load (entries missing from it are gone). */
    void replaceAll(Map<String, ContainerEntry> fresh) {
        for (String id : List.copyOf(byId.keySet())) {
            if (!fresh.containsKey(id)) {
                remove(id);
            }
        }
        fresh.values().forEach(this::put);
    }

    void ready(boolean ready) {
        this.ready = ready;
        imageChanges.incrementAndGet(); // image events may have been missed while the stream was down
        if (!ready) {
            for (CompletableFuture<Void> f; (f = waiters.poll()) != null; ) {
                f.completeExceptionally(new IllegalStateException("view of " + nodeId + " stopped"));
            }
        }
    }

    /** Drops every entry (the node left the cluster). */
    void clear() {
        ready(false);
        List.copyOf(byId.keySet()).forEach(this::remove);
    }
}
