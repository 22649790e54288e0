package dev.shoal.manager.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shoal.manager.dispatcher.NodeStatus;
import dev.shoal.manager.engine.EngineClient;
import dev.shoal.manager.engine.FanOut;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which node holds which image, so a create does not ask every node. Each node's entry is its engine's
 * {@code GET /images/json}, read once and then trusted while it is fresh: until the node's heartbeat reports another
 * image count, an image call went through the manager ({@link #markAllStale}), the node returned, or a minute passed.
 * A look-up asks only the nodes whose entry is stale (one list call each, which refreshes them); and when no node's
 * entry holds the image, it asks every node for it by name as before, since a tag made on an engine directly changes
 * no count — so the index can make a create skip a node for a moment, never refuse an image a node has.
 */
public final class ImageIndex {
    static final long FRESH_NANOS = 60_000_000_000L;

    /** One node's images as last read, with the heartbeat's image count then. */
    private record Entry(List<Held> images, long imageCount, long readNanos) { }

    /** One image: its ID, tags and digests, in the forms a reference is compared in. */
    record Held(String id, Set<String> names, Set<String> digests) { }

    private final Map<String, Entry> byNode = new ConcurrentHashMap<>();
    private final Map<String, java.util.concurrent.locks.ReentrantLock> refreshing = new ConcurrentHashMap<>();
    private final EngineClient engines;
    private final FanOut fanOut;

    public ImageIndex(EngineClient engines, FanOut fanOut) {
        this.engines = engines;
        this.fanOut = fanOut;
    }

    /** An image was pulled, tagged, removed, loaded or built through the manager: every entry is read again. */
    public void markAllStale() {
        byNode.clear();
    }

    /** The node left or came back: its entry is read again. */
    public void forget(String nodeId) {
        byNode.remove(nodeId);
    }

    /** The IDs of the nodes among {@code nodes} that hold {@code ref} (name, name:tag, name@digest, ID or ID prefix). */
    public Set<String> nodesWith(List<NodeStatus> nodes, String reference) {
        Ref ref = Ref.of(reference);
        long now = System.nanoTime();
        List<NodeStatus> stale = new ArrayList<>();
        Set<String> holding = new HashSet<>();
        for (NodeStatus n : nodes) {
            Entry e = byNode.get(n.id());
            if (e == null || now - e.readNanos() > FRESH_NANOS || e.imageCount() != imageCount(n)) {
                stale.add(n);
            } else if (holds(e, ref)) {
                holding.add(n.id());
            }
        }
        if (!stale.isEmpty()) {
            for (var r : fanOut.call(stale, this::refresh)) {
                if (r.ok() && r.value() != null && holds(r.value(), ref)) {
                    holding.add(r.node().id());
                }
            }
        }
        if (holding.isEmpty()) {
            // a tag made on an engine directly is in no entry: the engines are asked by name
            for (var r : fanOut.call(nodes, n -> engines.get(n.record().address(),
                    "/images/" + FanOut.encode(reference) + "/json"))) {
                if (r.ok() && r.value().ok()) {
                    holding.add(r.node().id());
                    byNode.remove(r.node().id());
                }
            }
        }
        return holding;
    }

    /**
     * The node's entry read again, once however many look-ups find it stale at the same moment (the others wait for
     * that read): concurrent creates after a restart do not each ask every node. Null when the node gave no list.
     */
    private Entry refresh(NodeStatus n) {
        java.util.concurrent.locks.ReentrantLock lock = refreshing.computeIfAbsent(n.id(),
                k -> new java.util.concurrent.locks.ReentrantLock());
        lock.lock();
        try {
            Entry e = byNode.get(n.id());
            if (e != null && System.nanoTime() - e.readNanos() <= FRESH_NANOS && e.imageCount() == imageCount(n)) {
                return e; // read by the look-up this one waited for
            }
            EngineClient.Reply reply = engines.get(n.record().address(), "/images/json");
            if (!reply.ok()) {
                return null;
            }
            e = new Entry(read(reply.json()), imageCount(n), System.nanoTime());
            byNode.put(n.id(), e);
            return e;
        } finally {
            lock.unlock();
        }
    }

    private static long imageCount(NodeStatus n) {
        return n.engine().images();
    }

    static List<Held> read(JsonNode list) {
        List<Held> out = new ArrayList<>();
        for (JsonNode image : list) {
            Set<String> names = new HashSet<>();
            image.path("RepoTags").forEach(t -> names.add(normalName(t.asText())));
            Set<String> digests = new HashSet<>();
            image.path("RepoDigests").forEach(d -> digests.add(normalName(d.asText())));
            out.add(new Held(image.path("Id").asText(""), names, digests));
        }
        return out;
    }

    private static boolean holds(Entry e, Ref ref) {
        for (Held h : e.images()) {
            if (ref.matches(h)) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code ref} names the image as an engine would resolve it. */
    static boolean matches(Held h, String ref) {
        return Ref.of(ref).matches(h);
    }

    /** A reference read once per look-up: a digest, or a name with its tag and maybe an ID prefix. */
    private record Ref(String digest, String name, String idPrefix) {
        private static final java.util.regex.Pattern HEX = java.util.regex.Pattern.compile("[0-9a-f]{12,64}");

        static Ref of(String ref) {
            if (ref.contains("@")) {
                return new Ref(normalName(ref), null, null);
            }
            String hex = ref.startsWith("sha256:") ? ref.substring(7) : ref;
            return new Ref(null, normalName(withTag(ref)), HEX.matcher(hex).matches() ? "sha256:" + hex : null);
        }

        boolean matches(Held h) {
            if (digest != null) {
                return h.digests().contains(digest);
            }
            return (idPrefix != null && h.id().startsWith(idPrefix)) || h.names().contains(name);
        }
    }

    /** {@code busybox} → {@code busybox:latest}; a name with a tag or digest stays. */
    private static String withTag(String ref) {
        int slash = ref.lastIndexOf('/');
        return ref.indexOf(':', slash + 1) < 0 ? ref + ":latest" : ref;
    }

    /** {@code docker.io/library/busybox:1} and {@code busybox:1} are one name. */
    static String normalName(String name) {
        String n = name;
        if (n.startsWith("docker.io/")) {
            n = n.substring("docker.io/".length());
        } else if (n.startsWith("index.docker.io/")) {
            n = n.substring("index.docker.io/".length());
        }
        if (n.startsWith("library/")) {
            n = n.substring("library/".length());
        }
        return n;
    }
}
