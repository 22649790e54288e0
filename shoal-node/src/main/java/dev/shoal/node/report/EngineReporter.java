package dev.shoal.node.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shoal.node.engine.EngineClient;
import java.io.Closeable;
import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a heartbeat for one node every interval (the manager's reply may change it), with the engine's
 * {@code /info} and {@code /version} read at most every {@code engineMaxAge}. Knows nothing about HTTP:
 * the {@link ReportSink} decides where heartbeats go. Logs only changes: connected, unreachable, each
 * distinct refusal, engine lost and back.
 */
public final class EngineReporter implements Closeable {
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(2);
    public static final Duration DEFAULT_ENGINE_MAX_AGE = Duration.ofSeconds(10);
    private static final Duration MIN_INTERVAL = Duration.ofMillis(50);
    private static final Duration MAX_INTERVAL = Duration.ofMinutes(1);
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(3);
    private static final Logger LOG = LoggerFactory.getLogger(EngineReporter.class);

    private enum Link { UNKNOWN, CONNECTED, UNREACHABLE, REFUSED }

    private final NodeDescriptor node;
    private final EngineClient engine;
    private final ReportSink sink;
    private final Duration engineMaxAge;
    private final LongSupplier nanoClock;
    private final CountDownLatch stopped = new CountDownLatch(1);

    private volatile Duration interval;
    private volatile Thread beater;
    // engine cache and log state: touched only by the beating thread
    private JsonNode engineInfo;
    private JsonNode engineVersion;
    private String engineError;
    private long engineReadAt;
    private boolean engineRead;
    private Link link = Link.UNKNOWN;
    private boolean everConnected;
    private String lastRefusal;

    public EngineReporter(NodeDescriptor node, EngineClient engine, ReportSink sink) {
        this(node, engine, sink, DEFAULT_INTERVAL, DEFAULT_ENGINE_MAX_AGE, System::nanoTime);
    }

    public EngineReporter(NodeDescriptor node, EngineClient engine, ReportSink sink, Duration interval,
                          Duration engineMaxAge, LongSupplier nanoClock) {
        this.node = Objects.requireNonNull(node);
        this.engine = Objects.requireNonNull(engine);
        this.sink = Objects.requireNonNull(sink);
        this.interval = interval;
        this.engineMaxAge = engineMaxAge;
        this.nanoClock = nanoClock;
    }

    /** Beats now and then every interval on a virtual thread, until {@link #close()}. */
    public EngineReporter start() {
        beater = Thread.ofVirtual().name("heartbeat-" + node.name()).start(() -> {
            try {
                do {
                    beatOnce();
                } while (!stopped.await(interval.toMillis(), TimeUnit.MILLISECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        return this;
    }

    public Duration interval() {
        return interval;
    }

    /** One heartbeat: read the engine if due, send, take the reply's interval; never throws. */
    public synchronized void beatOnce() {
        Heartbeat hb = heartbeat();
        try {
            HeartbeatReply reply = sink.send(hb);
            if (link != Link.CONNECTED) {
                LOG.info(everConnected ? "connected to manager again" : "connected to manager");
            }
            link = Link.CONNECTED;
            everConnected = true;
            lastRefusal = null;
            adoptInterval(reply);
        } catch (ManagerRejectedException e) {
            String refusal = "HTTP " + e.status() + ": " + e.getMessage();
            if (!refusal.equals(lastRefusal) && !stopping()) {
                LOG.warn("manager refused node {} ({}), retrying", node.name(), refusal);
                lastRefusal = refusal;
            }
            link = Link.REFUSED;
        } catch (IOException | RuntimeException e) {
            if (link != Link.UNREACHABLE && !stopping()) {
                LOG.warn("manager unreachable, retrying ({})", e.getMessage() != null ? e.getMessage() : e);
            }
            link = Link.UNREACHABLE;
            lastRefusal = null;
        }
    }

    /** The heartbeat as it would be sent now, reading the engine if the cached reading is due. */
    public synchronized Heartbeat heartbeat() {
        refreshEngineIfDue();
        return new Heartbeat(node.nodeId(), node.name(), node.address(), node.labels(),
                engineError == null ? engineInfo : null, engineError == null ? engineVersion : null, engineError);
    }

    private void refreshEngineIfDue() {
        long now = nanoClock.getAsLong();
        if (engineRead && engineError == null && now - engineReadAt < engineMaxAge.toNanos()) {
            return;
        }
        String previousError = engineRead ? engineError : null;
        try {
            engineInfo = engine.info();
            engineVersion = engine.version();
            engineError = null;
            if (previousError != null) {
                LOG.info("engine {} reachable again", engine.address());
            }
        } catch (IOException | RuntimeException e) {
            engineError = e.getMessage() != null ? e.getMessage() : e.toString();
            if (!engineError.equals(previousError) && !stopping()) {
                LOG.warn("engine unreachable: {}", engineError);
            }
        }
        engineRead = true;
        engineReadAt = now;
    }

    private void adoptInterval(HeartbeatReply reply) {
        if (reply != null && reply.heartbeatMillis() > 0) {
            Duration asked = Duration.ofMillis(reply.heartbeatMillis());
            interval = asked.compareTo(MIN_INTERVAL) < 0 ? MIN_INTERVAL
                    : asked.compareTo(MAX_INTERVAL) > 0 ? MAX_INTERVAL : asked;
        }
    }

    /** Stops beating, waiting briefly for a beat in flight. The engine and its containers are left as they are. */
    @Override public void close() {
        stopped.countDown();
        Thread thread = beater;
        if (thread != null && thread != Thread.currentThread()) {
            try {
                thread.join(CLOSE_WAIT);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private boolean stopping() {
        return stopped.getCount() == 0;
    }
}
