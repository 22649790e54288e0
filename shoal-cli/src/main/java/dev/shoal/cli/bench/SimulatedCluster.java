package dev.shoal.cli.bench;

import dev.shoal.node.HostPort;
import dev.shoal.node.net.Transport;
import dev.shoal.node.tls.JoinToken;
import io.netty.channel.EventLoopGroup;
import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;

/**
 * Many simulated nodes in this process: each enrols with the join token (as an agent does on first start), serves
 * its engine from memory on its own loopback address, and heartbeats to the manager's cluster port every 2 s.
 * The nodes share a few Netty event loops; enrolment runs a few at a time (as agents started together would queue
 * at the manager's two cores anyway).
 */
final class SimulatedCluster implements Closeable {
    private static final int ENROLLING_AT_ONCE = 8;
    private static final int ENGINE_LISTENERS = 8;

    private final EventLoopGroup loops;
    private final EngineServer engines;
    private final List<SimulatedNode> nodes = new ArrayList<>();
    private final List<HeartbeatLink> links = new ArrayList<>();
    private final HeartbeatStats heartbeats;

    private SimulatedCluster(EventLoopGroup loops, EngineServer engines, HeartbeatStats heartbeats) {
        this.loops = loops;
        this.engines = engines;
        this.heartbeats = heartbeats;
    }

    /**
     * Starts the engine port (no node served yet) on {@code threads} event loops; heartbeat latencies are kept for
     * about the last two intervals of {@code expectedNodes}.
     */
    static SimulatedCluster start(int threads, int expectedNodes) throws InterruptedException {
        EventLoopGroup loops = Transport.newEventLoops(threads);
        return new SimulatedCluster(loops, EngineServer.start(loops, ENGINE_LISTENERS),
                new HeartbeatStats(Math.max(1_000, 2 * expectedNodes)));
    }

    /**
     * Adds {@code count} nodes: each gets its certificate from {@code manager} with {@code token}, then serves its
     * engine and starts beating (first beats spread over one interval). {@code progress} hears the number enrolled.
     */
    void join(int count, HostPort manager, JoinToken token, IntConsumer progress) throws IOException, InterruptedException {
        Semaphore slots = new Semaphore(ENROLLING_AT_ONCE);
        AtomicInteger enrolled = new AtomicInteger();
        List<Future<?>> pending = new ArrayList<>();
        try (ExecutorService enrolling = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < count; i++) {
                SimulatedNode node = new SimulatedNode(nodes.size(), engines.portFor(nodes.size()));
                nodes.add(node);
                slots.acquire();
                pending.add(enrolling.submit(() -> {
                    try {
                        node.enroll(manager, token);
                        engines.add(node);
                        HeartbeatLink link = new HeartbeatLink(node, manager, node.clientTls(), loops.next(), heartbeats);
                        synchronized (links) {
                            links.add(link);
                        }
                        link.start(ThreadLocalRandom.current().nextLong(2_000));
                        progress.accept(enrolled.incrementAndGet());
                        return null;
                    } finally {
                        slots.release();
                    }
                }));
            }
        }
        for (Future<?> f : pending) {
            try {
                f.get();
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IOException("a simulated node could not enrol: " + e.getCause().getMessage(), e.getCause());
            }
        }
    }

    String engineConnections() {
        return engines.connectionStats();
    }

    List<SimulatedNode> nodes() {
        return nodes;
    }

    HeartbeatStats heartbeats() {
        return heartbeats;
    }

    /** Containers the simulated engines hold, over all nodes. */
    long containers() {
        return nodes.stream().mapToLong(n -> n.engine().containers()).sum();
    }

    @Override public void close() {
        synchronized (links) {
            links.forEach(HeartbeatLink::stop);
        }
        engines.close();
        loops.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }
}
