package dev.shoal.manager.orchestrator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.manager.state.ClusterStore;
import dev.shoal.manager.state.ContainerIndex;
import dev.shoal.manager.state.ContainerObserved;
import dev.shoal.manager.state.ContainerRecord;
import dev.shoal.manager.state.NodeState;
import dev.shoal.manager.state.ReschedulePolicy;
import dev.shoal.manager.state.Txn;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Which containers of a down node go back to pending, once, and whether they are to run where they are made. */
class ReschedulerTest {
    @TempDir Path dir;

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static ContainerRecord onNode(String id, String node, ReschedulePolicy policy, boolean desiredRunning)
            throws Exception {
        ObjectNode spec = (ObjectNode) ClusterStore.JSON.readTree("{\"Image\":\"redis\"}");
        return ContainerRecord.placed(id, "c-" + id, node, "redis", 64 << 20, 0, Map.of(), List.of()).withSpec(spec)
                .withEngineId("engine-" + id).withReschedule(policy).withDesiredRunning(desiredRunning);
    }

    private static void commit(ClusterStore store, Object... records) {
        Txn.Builder t = Txn.builder();
        for (Object r : records) {
            String key = r instanceof ContainerRecord c ? c.key() : r instanceof NodeState n ? n.key()
                    : ((ContainerObserved) r).key();
            t.put(key, ClusterStore.toJson(r));
        }
        assertThat(store.commit(t.build())).isEmpty();
    }

    @Test
    void onlyTheDownNodesContainersThatAskAreMovedAndEachOnce() throws Exception {
        try (ClusterStore store = ClusterStore.open(dir, "127.0.0.1", freePort())) {
            ContainerIndex index = new ContainerIndex(store);
            Rescheduler rescheduler = new Rescheduler(store, index, Duration.ofHours(1));
            ContainerRecord running = onNode("a", "n1", ReschedulePolicy.ON_NODE_FAILURE, true);
            ContainerRecord stopped = onNode("b", "n1", ReschedulePolicy.ON_NODE_FAILURE, true);
            ContainerRecord unseen = onNode("c", "n1", ReschedulePolicy.ON_NODE_FAILURE, false);
            ContainerRecord stays = onNode("d", "n1", ReschedulePolicy.OFF, true);
            ContainerRecord elsewhere = onNode("e", "n2", ReschedulePolicy.ON_NODE_FAILURE, true);
            commit(store, running, stopped, unseen, stays, elsewhere,
                    new NodeState("n1", true, 1, null), new NodeState("n2", true, 1, null),
                    new ContainerObserved("a", "n1", "engine-a", "running", 0, 1),
                    // exited on its own after the user started it: it is made again, not started
                    new ContainerObserved("b", "n1", "engine-b", "exited", 1, 2));
            assertThat(rescheduler.pass()).as("no node is down").isZero();

            commit(store, new NodeState("n1", false, 3, "no heartbeat for 6 s"));
            assertThat(rescheduler.pass()).isEqualTo(3);
            ContainerRecord a = index.bySwarmId("a").orElseThrow();
            assertThat(a.isPending()).isTrue();
            assertThat(a.engineId()).isNull();
            assertThat(a.desiredRunning()).as("running when last seen").isTrue();
            assertThat(a.name()).isEqualTo("c-a");
            assertThat(a.spec()).isEqualTo(running.spec());
            assertThat(a.memoryBytes()).isEqualTo(64 << 20);
            assertThat(a.pendingReason()).contains("node is down");
            assertThat(index.bySwarmId("b").orElseThrow().desiredRunning()).as("exited when last seen").isFalse();
            assertThat(index.bySwarmId("c").orElseThrow().desiredRunning()).as("never seen: as asked").isFalse();
            assertThat(index.bySwarmId("d").orElseThrow()).as("policy off: stays").isEqualTo(stays);
            assertThat(index.bySwarmId("e").orElseThrow()).as("its node is up").isEqualTo(elsewhere);

            assertThat(rescheduler.pass()).as("a second pass moves nothing again").isZero();
        }
    }

    @Test
    void aMoveInterruptedByARestartIsFinishedByTheNextManagersFirstPass() throws Exception {
        int port = freePort();
        ContainerRecord running = onNode("a", "n1", ReschedulePolicy.ON_NODE_FAILURE, true);
        try (ClusterStore store = ClusterStore.open(dir, "127.0.0.1", port)) {
            // the node went down, then the manager stopped before moving anything
            commit(store, running, new NodeState("n1", false, 3, "no heartbeat"));
        }
        try (ClusterStore store = ClusterStore.open(dir, "127.0.0.1", port)) {
            ContainerIndex index = new ContainerIndex(store);
            assertThat(new Rescheduler(store, index, Duration.ofHours(1)).pass()).isEqualTo(1);
            assertThat(index.bySwarmId("a").orElseThrow().isPending()).isTrue();
        }
    }
}
