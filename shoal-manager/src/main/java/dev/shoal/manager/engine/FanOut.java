package dev.shoal.manager.engine;

import dev.shoal.manager.dispatcher.NodeStatus;
import dev.shoal.manager.errors.DockerException;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;

/**
 * One call made on many nodes at once, for answers that cannot be kept in a view (images a node holds by name, a
 * volume's node): each node's result or the reason it gave none. The only fan-out helper; callers above the engine
 * layer go through it.
 */
public final class FanOut implements AutoCloseable {
    private final ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
    private final EngineClient engines;

    public FanOut(EngineClient engines) {
        this.engines = engines;
    }

    public EngineClient engines() {
        return engines;
    }

    /** One node's answer in a fan-out: a value, or the reason the node gave none. */
    public record NodeResult<T>(NodeStatus node, T value, RuntimeException error) {
        public boolean ok() {
            return error == null;
        }
    }

    /**
     * Calls {@code call} on every given node at once and waits for all. A node that falls silent while it is asked
     * does not hold the others: its {@link EngineClient} call gives up then (see {@link EngineClient#giveUpWhen}).
     */
    public <T> List<NodeResult<T>> call(List<NodeStatus> nodes, Function<NodeStatus, T> call) {
        List<Future<T>> futures = new ArrayList<>();
        for (NodeStatus n : nodes) {
            futures.add(pool.submit(() -> call.apply(n)));
        }
        List<NodeResult<T>> results = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            try {
                results.add(new NodeResult<>(nodes.get(i), futures.get(i).get(), null));
            } catch (ExecutionException e) {
                RuntimeException cause = e.getCause() instanceof RuntimeException re ? re
                        : new RuntimeException(e.getCause());
                results.add(new NodeResult<>(nodes.get(i), null, cause));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                futures.forEach(f -> f.cancel(true));
                throw new DockerException(503, "interrupted");
            }
        }
        return results;
    }

    /** The nodes among {@code nodes} whose engine answers {@code collection + name} (e.g. /volumes/data) with 2xx. */
    public List<NodeStatus> holders(List<NodeStatus> nodes, String collection, String name) {
        return call(nodes, n -> engines.get(n.record().address(), collection + encode(name)))
                .stream().filter(r -> r.ok() && r.value().ok()).map(NodeResult::node).toList();
    }

    /** A path or query part, percent-encoded as engines read it (spaces as %20). */
    public static String encode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
