package dev.shoal.manager.dispatcher;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.manager.state.ClusterStore;
import dev.shoal.manager.state.StateEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A node's heartbeats, then their absence, then their return, become one committed transition each. */
class NodeHealthMonitorTest {
    @TempDir Path dir;

    private static ObjectNode heartbeat() {
        ObjectNode hb = ClusterStore.JSON.createObjectNode()
                .put("nodeId", "abcdefgh12345678").put("name", "node1").put("address", "10.0.0.1:4243");
        hb.putObject("engineInfo").put("NCPU", 2).put("MemTotal", 1L << 30);
        return hb;
    }

    @Test
    void upThenDownThenReturnedEachOnce() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (ClusterStore store = ClusterStore.open(dir, "127.0.0.1", port);
             Dispatcher dispatcher = new Dispatcher(store, null);
             NodeHealthMonitor monitor = new NodeHealthMonitor(store, dispatcher)) {
            List<StateEvent.Transition> seen = new CopyOnWriteArrayList<>();
            store.onEvent(e -> {
                if (e instanceof StateEvent.NodeTransition t) {
                    seen.add(t.transition());
                }
            });
            monitor.start();
            assertThat(dispatcher.heartbeat(heartbeat())).isNull();
            await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains(StateEvent.Transition.UP));

            // no heartbeat for longer than DEAD_AFTER: down, once
            await().atMost(Dispatcher.DEAD_AFTER.multipliedBy(3)).until(() -> seen.contains(StateEvent.Transition.DOWN));
            assertThat(store.read(dev.shoal.manager.state.NodeState.key("abcdefgh12345678"),
                    dev.shoal.manager.state.NodeState.class).orElseThrow().up()).isFalse();

            assertThat(dispatcher.heartbeat(heartbeat())).isNull();
            await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains(StateEvent.Transition.RETURNED));
            assertThat(seen).containsExactly(StateEvent.Transition.UP, StateEvent.Transition.DOWN,
                    StateEvent.Transition.RETURNED);
        }
    }

    @Test
    void aHeartbeatTellsTheSchedulerOnlyWhenWhatItReadsChanges() {
        ObjectNode info = ClusterStore.JSON.createObjectNode().put("NCPU", 2).put("MemTotal", 100).put("Containers", 1);
        ObjectNode busier = info.deepCopy().put("Containers", 7); // changes every beat: not a scheduling fact
        ObjectNode bigger = info.deepCopy().put("MemTotal", 200);
        long now = System.nanoTime();
        Dispatcher.Report before = new Dispatcher.Report(EngineInfo.of(info), null, now, java.time.Instant.now());
        assertThat(Dispatcher.schedulingFactsChanged(null, before, now)).as("first report").isTrue();
        assertThat(Dispatcher.schedulingFactsChanged(before,
                new Dispatcher.Report(EngineInfo.of(busier), null, now, java.time.Instant.now()), now)).isFalse();
        assertThat(Dispatcher.schedulingFactsChanged(before,
                new Dispatcher.Report(EngineInfo.of(bigger), null, now, java.time.Instant.now()), now)).isTrue();
        assertThat(Dispatcher.schedulingFactsChanged(before,
                new Dispatcher.Report(EngineInfo.NONE, "engine down", now, java.time.Instant.now()), now)).as("error").isTrue();
        long later = now + Dispatcher.DEAD_AFTER.toNanos();
        assertThat(Dispatcher.schedulingFactsChanged(before,
                new Dispatcher.Report(EngineInfo.of(info), null, later, java.time.Instant.now()), later)).as("back").isTrue();
    }

    @Test
    void aHeartbeatWithoutEngineInfoKeepsTheLastFactsAndAnEngineErrorDropsThem() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (ClusterStore store = ClusterStore.open(dir, "127.0.0.1", port);
             Dispatcher dispatcher = new Dispatcher(store, null)) {
            ObjectNode full = heartbeat();
            ((ObjectNode) full.get("engineInfo")).putArray("Labels").add("zone=a");
            String sentInfo = full.get("engineInfo").toString();
            assertThat(dispatcher.heartbeat(full)).isNull();
            ObjectNode bare = heartbeat();
            bare.remove("engineInfo");
            assertThat(dispatcher.heartbeat(bare)).isNull();
            NodeStatus kept = dispatcher.node("abcdefgh12345678").orElseThrow();
            assertThat(kept.cpus()).isEqualTo(2);
            assertThat(kept.engine().engineLabels()).containsEntry("zone", "a");
            assertThat(kept.engine().tree().toString()).isEqualTo(sentInfo);

            assertThat(dispatcher.heartbeat(bare.put("engineError", "engine down"))).isNull();
            NodeStatus failing = dispatcher.node("abcdefgh12345678").orElseThrow();
            assertThat(failing.healthy()).isFalse();
            assertThat(failing.engine().present()).isFalse();
        }
    }
}
