package dev.shoal.manager.views;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.manager.dispatcher.NodeStatus;
import dev.shoal.manager.engine.EngineClient;
import dev.shoal.manager.engine.FanOut;
import dev.shoal.manager.state.ClusterStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Keeps one node's view: opens the node's container, network and image event stream, loads every container once
 * ({@code /containers/json?all=1} and an inspect each), then follows the events: a container's event marks it
 * (fetched again by the next round, a batch in one list call), {@code destroy} removes it, a network
 * connect/disconnect marks the container it names, an image event makes the node's image IDs stale. When the stream ends the view is not ready until a new watch
 * has loaded it again.
 */
final class NodeWatch {
    private static final Logger log = LoggerFactory.getLogger(NodeWatch.class);
    static final String EVENTS = "/events?filters="
            + FanOut.encode("{\"type\":[\"container\",\"network\",\"image\"]}");
    /** A round with more marks than this reloads the whole node (one list call instead of a long ID filter). */
    private static final int RELOAD_ABOVE = 200;
    /** Inspects in flight at once per node while loading. */
    private static final int PARALLEL_INSPECTS = 8;

    private final NodeStatus node;
    private final NodeContainers view;
    private final EngineClient engines;
    private final ContainerViews owner;
    private volatile InputStream events;
    private volatile boolean closed;

    NodeWatch(NodeStatus node, NodeContainers view, EngineClient engines, ContainerViews owner) {
        this.node = node;
        this.view = view;
        this.engines = engines;
        this.owner = owner;
    }

    String address() {
        return node.record().address();
    }

    /** Runs until the stream ends or {@link #close()}; then the view is not ready. */
    void run() {
        Thread worker = null;
        try {
            var res = engines.stream(address(), EVENTS);
            if (res.statusCode() != 200) {
                res.body().close();
                return;
            }
            events = res.body();
            if (closed) {
                return;
            }
            Map<String, ContainerEntry> loaded = load();
            view.replaceAll(loaded);
            view.ready(true);
            owner.loaded(node, view);
            worker = Thread.ofVirtual().name("view-" + node.name()).start(this::work);
            try (InputStream in = events) {
                EventLines lines = new EventLines(in);
                for (JsonNode ev; (ev = lines.next()) != null; ) {
                    onEvent(ev);
                }
            }
        } catch (Exception e) {
            log.debug("view of {} stopped: {}", node.name(), e.toString());
        } finally {
            view.ready(false);
            if (worker != null) {
                worker.interrupt();
            }
            close();
        }
    }

    void close() {
        closed = true;
        InputStream in = events;
        if (in != null) {
            try {
                in.close();
            } catch (Exception ignored) {
                // closing
            }
        }
    }

    private void onEvent(JsonNode ev) {
        String type = ev.path("Type").asText("");
        String action = ev.path("Action").asText(ev.path("status").asText(""));
        if (type.equals("image")) {
            view.imageEvent();
            owner.imagesChanged(node);
            return;
        }
        if (type.equals("network")) {
            if (action.equals("connect") || action.equals("disconnect")) {
                view.mark(ev.path("Actor").path("Attributes").path("container").asText(""));
            }
            return;
        }
        String id = ev.path("Actor").path("ID").asText(ev.path("id").asText(""));
        if (action.equals("destroy")) {
            view.destroyedEvent(id);
            owner.destroyed(node, id);
        } else if (changesListEntry(action)) {
            view.mark(id);
        }
    }

    /** Events that leave the list entry as it was (exec, attach, resize, copy, …) fetch nothing. */
    static boolean changesListEntry(String action) {
        return !(action.startsWith("exec_") || action.equals("attach") || action.equals("detach")
                || action.equals("resize") || action.equals("top") || action.equals("export")
                || action.equals("copy") || action.equals("archive-path") || action.equals("extract-to-dir")
                || action.equals("commit"));
    }

    /** The worker: one round after another, while the stream is open. */
    private void work() {
        while (!closed && !Thread.currentThread().isInterrupted()) {
            try {
                view.awaitWork(1000);
                view.round(this::refresh);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.debug("refresh on {} failed: {}", node.name(), e.toString());
                close(); // the view may have missed a change: the next watch loads it again
                return;
            }
        }
    }

    /** Fetches the given containers again (list entries in one call, an inspect each); absent ones are gone. */
    private void refresh(Set<String> ids) {
        if (ids.size() > RELOAD_ABOVE) {
            view.replaceAll(load());
            return;
        }
        StringBuilder filter = new StringBuilder("{\"id\":[");
        int i = 0;
        for (String id : ids) {
            filter.append(i++ == 0 ? "\"" : ",\"").append(id).append('"');
        }
        filter.append("]}");
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<EngineClient.Reply> list = pool.submit(() -> engines.get(address(),
                    "/containers/json?all=1&filters=" + FanOut.encode(filter.toString())));
            Map<String, Future<EngineClient.Reply>> inspects = new HashMap<>();
            for (String id : ids) {
                inspects.put(id, pool.submit(() -> engines.get(address(), "/containers/" + id + "/json")));
            }
            EngineClient.Reply listed = get(list);
            if (!listed.ok()) {
                throw listed.asError();
            }
            Map<String, ObjectNode> entries = new HashMap<>();
            listed.json().forEach(c -> entries.put(c.path("Id").asText(), (ObjectNode) c));
            for (String id : ids) {
                ObjectNode summary = entries.get(id);
                EngineClient.Reply inspect = get(inspects.get(id));
                if (summary == null || inspect.status() == 404) {
                    view.remove(id);
                } else if (inspect.ok()) {
                    view.put(entry(summary, inspect.json()));
                } else {
                    throw inspect.asError();
                }
            }
        }
    }

    /** Every container of the node, each with its inspect's state. */
    private Map<String, ContainerEntry> load() {
        try {
            owner.loads.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
        try {
            return loadNow();
        } finally {
            owner.loads.release();
        }
    }

    private Map<String, ContainerEntry> loadNow() {
        EngineClient.Reply r = engines.get(address(), "/containers/json?all=1");
        if (!r.ok()) {
            throw r.asError();
        }
        List<ObjectNode> summaries = new ArrayList<>();
        r.json().forEach(c -> summaries.add((ObjectNode) c));
        Map<String, ContainerEntry> out = new HashMap<>();
        java.util.concurrent.Semaphore slots = new java.util.concurrent.Semaphore(PARALLEL_INSPECTS);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            Map<ObjectNode, Future<EngineClient.Reply>> inspects = new HashMap<>();
            for (ObjectNode s : summaries) {
                inspects.put(s, pool.submit(() -> {
                    slots.acquire();
                    try {
                        return engines.get(address(), "/containers/" + s.path("Id").asText() + "/json");
                    } finally {
                        slots.release();
                    }
                }));
            }
            for (ObjectNode s : summaries) {
                EngineClient.Reply inspect = get(inspects.get(s));
                if (inspect.ok()) {
                    ContainerEntry e = entry(s, inspect.json());
                    out.put(e.engineId(), e);
                } else if (inspect.status() != 404) { // 404: removed meanwhile (its destroy event follows)
                    throw inspect.asError();
                }
            }
        }
        return out;
    }

    private ContainerEntry entry(ObjectNode summary, JsonNode inspect) {
        Instant created = ContainerState.time(inspect.path("Created").asText(""));
        return new ContainerEntry(node.id(), summary, ContainerState.of(inspect.path("State")), created);
    }

    private static <T> T get(Future<T> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
        }
    }

    /**
     * The events of a stream, one JSON object a line (blank lines skipped), read through a small buffer: one stream
     * per node is open all the time, and a {@code BufferedReader} over an {@code InputStreamReader} held 24 KB each
     * (120 MB at 5,000 nodes) for lines of a few hundred bytes.
     */
    static final class EventLines {
        private static final int READ = 512;
        private static final int LINE = 1024;
        private final InputStream in;
        private final byte[] buffer = new byte[READ];
        private int position;
        private int end;
        private byte[] line = new byte[LINE];
        private int length;

        EventLines(InputStream in) {
            this.in = in;
        }

        /** The next event, or null at the end of the stream. */
        JsonNode next() throws IOException {
            while (true) {
                if (position == end) {
                    int n = in.read(buffer);
                    if (n < 0) {
                        return take(); // the last line, if it had no newline; then null
                    }
                    position = 0;
                    end = n;
                }
                while (position < end) {
                    byte b = buffer[position++];
                    if (b == '\n') {
                        JsonNode event = take();
                        if (event != null) {
                            return event;
                        }
                    } else {
                        if (length == line.length) {
                            line = java.util.Arrays.copyOf(line, line.length * 2);
                        }
                        line[length++] = b;
                    }
                }
            }
        }

        /** The line read so far as JSON (null when blank); the line buffer is emptied (and shrunk after a long one). */
        private JsonNode take() throws IOException {
            JsonNode event = null;
            if (!blank()) {
                event = ClusterStore.JSON.readTree(line, 0, length);
            }
            length = 0;
            if (line.length > 4 * LINE) {
                line = new byte[LINE];
            }
            return event == null || event.isMissingNode() ? null : event;
        }

        private boolean blank() {
            for (int i = 0; i < length; i++) {
                if (!Character.isWhitespace(line[i])) {
                    return false;
                }
            }
            return true;
        }
    }
}
