package dev.shoal.node;

import dev.shoal.node.engine.EngineClient;
import dev.shoal.node.proxy.EngineProxy;
import dev.shoal.node.report.EngineReporter;
import dev.shoal.node.report.NodeDescriptor;
import dev.shoal.node.tls.ClusterTls;
import dev.shoal.node.tls.Enrollment;
import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent of {@code shoal join}: relays the manager's connections to the local engine and heartbeats
 * to the manager. It only relays and reads: it never creates, starts, stops or removes a container, so
 * an agent restarted while containers run leaves them alone, and closing it leaves them running.
 */
public final class Agent implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Agent.class);

    private final NodeDescriptor node;
    private final EngineProxy proxy;
    private final EngineClient engine;
    private final EngineReporter reporter;
    private final HttpReportSink sink;
    private volatile dev.shoal.node.tls.CertificateRenewal renewal;
    private final CountDownLatch closed = new CountDownLatch(1);
    private final AtomicBoolean closing = new AtomicBoolean();

    private Agent(NodeDescriptor node, EngineProxy proxy, EngineClient engine, EngineReporter reporter,
                  HttpReportSink sink) {
        this.node = node;
        this.proxy = proxy;
        this.engine = engine;
        this.reporter = reporter;
        this.sink = sink;
    }

    /**
     * Starts an agent: takes the node ID, gets its cluster certificate (once, with the join token), serves the
     * engine over mutual TLS and heartbeats over HTTPS. With {@code insecureCluster}, plain TCP and HTTP.
     */
    public static Agent start(AgentConfig config) throws IOException {
        String nodeId = NodeId.loadOrCreate(config.dataDir());
        if (config.insecureCluster()) {
            LOG.warn("--insecure-cluster: anyone who reaches {} controls this node's engine", config.advertise());
            return start(config, nodeId, null, new HttpReportSink(config.manager()));
        }
        ClusterTls tls = Enrollment.loadOrEnroll(config.tlsDir(), config.manager(), config.token(), nodeId,
                config.advertise());
        if (tls.cert().getNotAfter().toInstant().isBefore(java.time.Instant.now())) {
            LOG.error("node {}'s cluster certificate expired at {}: it cannot be renewed; remove {} and join again "
                    + "with a join token (under a new node ID)", nodeId, tls.cert().getNotAfter().toInstant(),
                    config.dataDir());
        }
        HttpReportSink sink = new HttpReportSink(config.manager(), tls);
        Agent agent = start(config, nodeId, tls, sink);
        agent.renewal = new dev.shoal.node.tls.CertificateRenewal(config.manager(), config.tlsDir(), tls, renewed -> {
            sink.useTls(renewed);
            try {
                agent.proxy.useTls(renewed);
            } catch (javax.net.ssl.SSLException e) {
                LOG.error("cannot serve the engine with the renewed certificate: {}", e.toString());
            }
        }).start();
        return agent;
    }

    /** The node's cluster certificate now (it changes on renewal); null with --insecure-cluster. */
    public ClusterTls certificate() {
        var r = renewal;
        return r == null ? null : r.current();
    }

    /** Renews the certificate now, whatever its age (for tests and operators). */
    public ClusterTls renewCertificateNow() throws IOException {
        var r = renewal;
        if (r == null) {
            throw new IllegalStateException("an insecure cluster has no certificates");
        }
        return r.renewNow();
    }

    /** {@code tls} null: plain TCP (--insecure-cluster). */
    private static Agent start(AgentConfig config, String nodeId, ClusterTls tls, HttpReportSink sink)
            throws IOException {
        EngineProxy proxy;
        try {
            proxy = EngineProxy.start(config.advertise(), tls, ClusterTls.MANAGER_CN, config.engine());
        } catch (IOException | RuntimeException e) {
            sink.close();
            throw e;
        }
        HostPort advertised = proxy.localAddress();
        NodeDescriptor node = new NodeDescriptor(nodeId, config.name(), advertised.toString(), config.labels());
        EngineClient engine;
        try {
            engine = new EngineClient(config.engine());
        } catch (RuntimeException e) {
            proxy.close();
            sink.close();
            throw e;
        }
        LOG.info("node {} (id {}) serving engine {} on {}, manager {}",
                node.name(), nodeId, config.engine(), advertised, config.manager());
        EngineReporter reporter = new EngineReporter(node, engine, sink).start();
        return new Agent(node, proxy, engine, reporter, sink);
    }

    public NodeDescriptor node() {
        return node;
    }

    /** The address the engine proxy listens on (the real port when port 0 was asked for). */
    public HostPort advertised() {
        return proxy.localAddress();
    }

    /** Blocks until {@link #close()}. */
    public void awaitClosed() throws InterruptedException {
        closed.await();
    }

    /** Stops beating and listening. Containers keep running. */
    @Override public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        var r = renewal;
        if (r != null) {
            r.close();
        }
        reporter.close();
        sink.close();
        try {
            proxy.close();
        } catch (IOException e) {
            LOG.debug("closing engine proxy: {}", e.toString());
        }
        try {
            engine.close();
        } catch (IOException e) {
            LOG.debug("closing engine client: {}", e.toString());
        }
        closed.countDown();
    }
}
