package dev.shoal.node.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.shoal.node.HttpReportSink;
import dev.shoal.node.engine.EngineAddress;
import dev.shoal.node.engine.EngineClient;
import dev.shoal.node.testing.FakeEngine;
import dev.shoal.node.testing.FakeManager;
import dev.shoal.node.testing.LogCapture;
import java.io.IOException;
import java.net.ConnectException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class EngineReporterTest {
    private static final NodeDescriptor NODE =
            new NodeDescriptor("abcdefghijklmnopqrstuvwxy", "node1", "127.0.0.1:4243", Map.of("zone", "a"));

    private final FakeEngine engine = new FakeEngine();
    private final EngineClient client = new EngineClient(engine.address());
    private final AtomicLong nanos = new AtomicLong();
    private final List<Heartbeat> sent = new ArrayList<>();

    @AfterEach void tearDown() throws IOException {
        client.close();
        engine.close();
    }

    private EngineReporter reporter(ReportSink sink) {
        return new EngineReporter(NODE, client, sink, Duration.ofSeconds(2), Duration.ofSeconds(10), nanos::get);
    }

    @Test void readsTheEngineAtMostEveryTenSecondsButAlwaysBeats() {
        EngineReporter reporter = reporter(hb -> {
            sent.add(hb);
            return new HeartbeatReply(hb.nodeId(), 2000);
        });
        reporter.beatOnce();
        nanos.addAndGet(Duration.ofSeconds(2).toNanos());
        reporter.beatOnce();
        nanos.addAndGet(Duration.ofSeconds(7).toNanos());
        reporter.beatOnce();
        assertThat(engine.infoReads).hasValue(1);
        assertThat(engine.versionReads).hasValue(1);

        nanos.addAndGet(Duration.ofSeconds(1).toNanos());
        reporter.beatOnce();
        assertThat(engine.infoReads).hasValue(2);

        assertThat(sent).hasSize(4).allSatisfy(hb -> {
            assertThat(hb.nodeId()).isEqualTo(NODE.nodeId());
            assertThat(hb.engineInfo().get("ID").asText()).isEqualTo("CLONED-ENGINE-ID");
            assertThat(hb.engineVersion().get("Version").asText()).isEqualTo("28.0.0");
            assertThat(hb.engineError()).isNull();
        });
    }

    @Test void takesTheIntervalFromTheReply() {
        EngineReporter reporter = reporter(hb -> new HeartbeatReply(hb.nodeId(), 500));
        assertThat(reporter.interval()).isEqualTo(Duration.ofSeconds(2));
        reporter.beatOnce();
        assertThat(reporter.interval()).isEqualTo(Duration.ofMillis(500));
    }

    @Test void reportsAnUnreachableEngineAndKeepsBeating() throws IOException {
        EngineAddress dead = EngineAddress.parse("unix:///nonexistent/shoal-test/docker.sock");
        try (EngineClient deadClient = new EngineClient(dead);
             LogCapture log = new LogCapture(EngineReporter.class)) {
            EngineReporter reporter = new EngineReporter(NODE, deadClient, hb -> {
                sent.add(hb);
                return new HeartbeatReply(hb.nodeId(), 2000);
            }, Duration.ofSeconds(2), Duration.ofSeconds(10), nanos::get);
            reporter.beatOnce();
            reporter.beatOnce();
            assertThat(sent).hasSize(2).allSatisfy(hb -> {
                assertThat(hb.engineInfo()).isNull();
                assertThat(hb.engineVersion()).isNull();
                assertThat(hb.engineError()).contains("unix:///nonexistent/shoal-test/docker.sock");
            });
            assertThat(log.messages()).filteredOn(m -> m.startsWith("engine unreachable")).hasSize(1);
        }
    }

    @Test void logsUnreachableManagerOnceAndItsReturn() {
        AtomicBoolean up = new AtomicBoolean(false);
        EngineReporter reporter = reporter(hb -> {
            if (!up.get()) {
                throw new ConnectException("Connection refused");
            }
            return new HeartbeatReply(hb.nodeId(), 2000);
        });
        try (LogCapture log = new LogCapture(EngineReporter.class)) {
            reporter.beatOnce();
            reporter.beatOnce();
            reporter.beatOnce();
            up.set(true);
            reporter.beatOnce();
            reporter.beatOnce();
            up.set(false);
            reporter.beatOnce();
            reporter.beatOnce();
            up.set(true);
            reporter.beatOnce();
            assertThat(log.messages()).containsExactly(
                    "manager unreachable, retrying (Connection refused)",
                    "connected to manager",
                    "manager unreachable, retrying (Connection refused)",
                    "connected to manager again");
        }
    }

    @Test void logsEachDistinctRefusalOnceAndKeepsTrying() throws InterruptedException {
        try (FakeManager manager = new FakeManager(); LogCapture log = new LogCapture(EngineReporter.class)) {
            manager.answer(409, "{\"message\":\"node name node1 is taken by node xyz\"}");
            EngineReporter reporter = reporter(new HttpReportSink(manager.address()));
            reporter.beatOnce();
            reporter.beatOnce();
            reporter.beatOnce();
            manager.answer(400, "{\"message\":\"bad label\"}");
            reporter.beatOnce();
            manager.answer(200, "{\"nodeId\":\"abcdefghijklmnopqrstuvwxy\",\"heartbeatMillis\":1000}");
            reporter.beatOnce();

            assertThat(manager.received()).isEqualTo(5);
            assertThat(log.messages()).containsExactly(
                    "manager refused node node1 (HTTP 409: node name node1 is taken by node xyz), retrying",
                    "manager refused node node1 (HTTP 400: bad label), retrying",
                    "connected to manager");
            assertThat(reporter.interval()).isEqualTo(Duration.ofSeconds(1));
        }
    }
}
