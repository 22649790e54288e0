package dev.shoal.manager.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shoal.manager.errors.DockerException;
import dev.shoal.manager.dispatcher.Dispatcher;
import dev.shoal.manager.dispatcher.NodeStatus;
import dev.shoal.manager.engine.EngineClient;
import dev.shoal.manager.engine.FanOut;
import dev.shoal.manager.api.proxy.EngineProxy;
import dev.shoal.manager.networks.ClusterNetworks;
import dev.shoal.manager.scheduler.Placer;
import dev.shoal.manager.state.ClusterStore;
import dev.shoal.manager.state.ContainerIndex;
import dev.shoal.manager.state.ContainerRecord;
import dev.shoal.manager.state.Txn;
import dev.shoal.manager.views.ContainerViews;

import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/** The manager's view of the cluster that API routes work with: nodes, records, and calls to engines. */
public final class Cluster {
    private final ClusterStore store;
    private final Dispatcher dispatcher;
    private final ContainerIndex containers;
    private final EngineClient engines;
    private final EngineProxy proxy;
    private final Placer placer;
    private final ClusterNetworks networks;
    private static final String ID_KEY = "cluster/id";
    private static final java.time.Duration CREATE_WAIT = java.time.Duration.ofSeconds(10);
    private final FanOut fanOut;
    private final ContainerViews views;

    public Cluster(ClusterStore store, Dispatcher dispatcher, ContainerIndex containers,
                   EngineClient engines, FanOut fanOut, EngineProxy proxy, Placer placer,
                   ClusterNetworks networks, ContainerViews views) {
        this.views = views;
        this.store = store;
        this.dispatcher = dispatcher;
        this.containers = containers;
        this.engines = engines;
        this.proxy = proxy;
        this.fanOut = fanOut;
        this.placer = placer;
        this.networks = networks;
    }

    /** Every node's containers, kept from its events: what {@code docker ps} and {@code docker info} read. */
    public ContainerViews views() {
        return views;
    }

    public ClusterNetworks networks() {
        return networks;
    }

    public Placer placer() {
        return placer;
    }

    /** The cluster's ID: made once, kept in the replicated state, so it survives restarts (docker info's ID). */
    public String id() {
        return store.get(ID_KEY).orElseGet(() -> {
            store.commit(Txn.builder().requireAbsent(ID_KEY).put(ID_KEY, java.util.UUID.randomUUID().toString()).build());
            return store.get(ID_KEY).orElseThrow();
        });
    }

    public ClusterStore store() {
        return store;
    }

    public Dispatcher dispatcher() {
        return dispatcher;
    }

    public ContainerIndex containers() {
        return containers;
    }

    public EngineClient engines() {
        return engines;
    }

    public EngineProxy proxy() {
        return proxy;
    }

    /**
     * The nodes a list ({@code ps}, {@code images}) asks: the healthy ones, and those marked unhealthy that still
     * send heartbeats (a busy engine slows them, or its info call timed out once): their containers are there and
     * they usually answer. A node that stopped beating altogether is left out (a call to it would be given up).
     */
    public List<NodeStatus> listableNodes() {
        return dispatcher.nodes().stream()
                .filter(n -> n.healthy() || dispatcher.beating(n.record().address())).toList();
    }

    /** Calls {@code call} on every given node at once and waits for all (see {@link FanOut#call}). */
    public <T> List<FanOut.NodeResult<T>> fanOut(List<NodeStatus> nodes, Function<NodeStatus, T> call) {
        return fanOut.call(nodes, call);
    }

    public FanOut fanOutHelper() {
        return fanOut;
    }

    /** Where a container lives: its node and the engine's ID for it (plus its inspect JSON when fetched). */
    public record Located(NodeStatus node, String engineId, JsonNode inspect, ContainerRecord record) { }

    /**
     * Finds a container by engine ID, ID prefix, name, {@code node/name} or swarm ID, as the CLI may name it.
     * Throws 404 when nothing matches and 409 when the reference is ambiguous.
     */
    public Located locate(String ref) {
        if (ref == null || ref.isEmpty()) {
            throw DockerException.noSuchContainer(ref == null ? "" : ref);
        }
        int slash = ref.indexOf('/');
        if (slash > 0) {
            String nodeName = ref.substring(0, slash);
            String rest = ref.substring(slash + 1);
            NodeStatus node = dispatcher.nodeByName(nodeName).orElseThrow(() -> DockerException.noSuchContainer(ref));
            EngineClient.Reply r = engines.get(node.record().address(), "/containers/" + encode(rest) + "/json");
            if (r.status() == 404) {
                throw DockerException.noSuchContainer(ref);
            }
            if (!r.ok()) {
                throw r.asError();
            }
            JsonNode json = r.json();
            String id = json.path("Id").asText();
            return new Located(node, id, json, containers.byEngineId(id).orElse(null));
        }
        Optional<ContainerRecord> exact = awaitCreated(containers.exact(ref));
        if (exact.isPresent() && exact.get().engineId() != null) {
            ContainerRecord rec = exact.get();
            Optional<NodeStatus> node = dispatcher.node(rec.nodeId());
            if (node.isPresent()) {
                if (node.get().health() == NodeStatus.Health.UNHEALTHY
                        && !dispatcher.beating(node.get().record().address())) {
                    // as classic Swarm said it: nothing can reach the container until its node is back (a node
                    // marked unhealthy whose heartbeats still come, late, is still asked)
                    throw new DockerException(500, "Container " + ref + " running on unhealthy node "
                            + node.get().name());
                }
                return new Located(node.get(), rec.engineId(), null, rec);
            }
        }
        List<NodeStatus> nodes = dispatcher.healthyNodes();
        List<FanOut.NodeResult<EngineClient.Reply>> found = fanOut(nodes,
                n -> engines.get(n.record().address(), "/containers/" + encode(ref) + "/json"));
        List<FanOut.NodeResult<EngineClient.Reply>> hits = found.stream().filter(r -> r.ok() && r.value().ok()).toList();
        if (hits.size() == 1) {
            JsonNode json = hits.get(0).value().json();
            String id = json.path("Id").asText();
            return new Located(hits.get(0).node(), id, json, containers.byEngineId(id).orElse(null));
        }
        if (hits.size() > 1) {
            throw DockerException.conflict("\"" + ref + "\" matches containers on several nodes ("
                    + String.join(", ", hits.stream().map(h -> h.node().name()).toList())
                    + "): name one as NODE/NAME or by its full ID");
        }
        List<ContainerRecord> bySwarm = ref.length() >= 4 ? containers.bySwarmIdPrefix(ref) : List.of();
        if (bySwarm.size() == 1 && bySwarm.get(0).engineId() != null) {
            ContainerRecord rec = bySwarm.get(0);
            NodeStatus node = dispatcher.node(rec.nodeId()).orElseThrow(() -> DockerException.noSuchContainer(ref));
            return new Located(node, rec.engineId(), null, rec);
        }
        if (exact.isPresent() && exact.get().isPending()) {
            throw DockerException.conflict("Container " + ref + " is pending (on no node yet): "
                    + exact.get().pendingReason());
        }
        if (exact.isPresent() && exact.get().engineId() == null) {
            throw DockerException.conflict("container " + ref + " is still being created");
        }
        throw DockerException.noSuchContainer(ref);
    }

    /**
     * A record placed on a node whose engine is still creating the container (a pending container just placed) is
     * about to have its engine ID: wait briefly for it rather than refuse the caller.
     */
    private Optional<ContainerRecord> awaitCreated(Optional<ContainerRecord> rec) {
        long deadline = System.nanoTime() + CREATE_WAIT.toNanos();
        while (rec.isPresent() && !rec.get().isPending() && rec.get().engineId() == null
                && System.nanoTime() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            rec = containers.exact(rec.get().swarmId());
        }
        return rec;
    }

    public static String encode(String s) {
        return FanOut.encode(s);
    }
}
