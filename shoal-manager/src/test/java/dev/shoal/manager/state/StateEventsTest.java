package dev.shoal.manager.state;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** Every kind of typed change the state machine emits, versions for compare-and-set, and what a snapshot keeps. */
class StateEventsTest {
    @TempDir Path dir;

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static Txn put(String key, Object value) {
        return Txn.builder().put(key, value instanceof String str ? str : ClusterStore.toJson(value)).build();
    }

    @Test
    void everyEventKindIsEmittedWithWhatChanged() throws Exception {
        try (ClusterStore store = ClusterStore.open(dir, "127.0.0.1", freePort())) {
            List<StateEvent> seen = new CopyOnWriteArrayList<>();
            store.onEvent(seen::add);

            NodeRecord node = new NodeRecord("abcdefgh12345678", "node1", "10.0.0.1:4243", Map.of(), 1L);
            NodeRecord relabelled = new NodeRecord(node.id(), "node1", node.address(), Map.of("disk", "ssd"), 1L);
            store.commit(put(node.key(), node));
            store.commit(put(node.key(), relabelled));

            ObjectNode spec = ClusterStore.JSON.createObjectNode().put("Image", "busybox");
            ContainerRecord pending = ContainerRecord.pending("s1", "web", "busybox", 0, 0, Map.of(), List.of(), spec,
                    "no room");
            ContainerRecord placed = pending.placedOn(node.id());
            ContainerRecord created = placed.withEngineId("e1");
            store.commit(Txn.builder().put(pending.key(), ClusterStore.toJson(pending))
                    .put(ContainerRecord.nameKey("web"), "s1").build());
            store.commit(put(placed.key(), placed));
            store.commit(put(created.key(), created));

            NetworkRecord net = new NetworkRecord("n1", "front", "bridge", spec, 1L);
            store.commit(put(net.key(), net));
            store.commit(put(StateEvent.VolumeChanged.KEY_PREFIX + "data", node.id()));

            store.commit(put(NodeState.key(node.id()), new NodeState(node.id(), true, 1, null)));
            store.commit(put(NodeState.key(node.id()), new NodeState(node.id(), false, 2, "no heartbeat")));
            store.commit(put(NodeState.key(node.id()), new NodeState(node.id(), false, 3, "still none"))); // no event
            store.commit(put(NodeState.key(node.id()), new NodeState(node.id(), true, 4, null)));

            store.commit(Txn.builder().delete(created.key()).delete(ContainerRecord.nameKey("web")).build());
            store.commit(Txn.builder().delete(net.key()).build());
            store.commit(Txn.builder().delete(StateEvent.VolumeChanged.KEY_PREFIX + "data").build());
            store.commit(Txn.builder().delete(node.key()).build());
            store.commit(Txn.builder().delete("absent/key").build()); // nothing was there: no event

            assertThat(seen).extracting(StateEventsTest::describe).containsExactly(
                    "node ADDED null -> node1{}",
                    "node UPDATED node1{} -> node1{disk=ssd}",
                    "container ADDED null -> web@pending",
                    "container UPDATED web@pending -> web@abcdefgh12345678",
                    "container UPDATED web@abcdefgh12345678 -> web@abcdefgh12345678/e1",
                    "network ADDED null -> front",
                    "volume ADDED data null -> abcdefgh12345678",
                    "transition abcdefgh12345678 UP",
                    "transition abcdefgh12345678 DOWN",
                    "transition abcdefgh12345678 RETURNED",
                    "container REMOVED web@abcdefgh12345678/e1 -> null",
                    "network REMOVED front -> null",
                    "volume REMOVED data abcdefgh12345678 -> null",
                    "node REMOVED node1{disk=ssd} -> null");
            // the create body stays in the record once the engine made it: the desired container, to make again
            assertThat(created.spec()).isEqualTo(spec);
            // events carry the log index, in order
            assertThat(seen).extracting(StateEvent::index).isSorted();

            store.takeSnapshot();
            seen.clear();
            store.reinstallLatestSnapshot();
            assertThat(seen).singleElement().isInstanceOf(StateEvent.SnapshotInstalled.class);
        }
    }

    @Test
    void aVersionIsTheIndexThatLastWroteAKeyAndGuardsACompareAndSet() throws Exception {
        int port = freePort();
        String key = "cluster/thing";
        long version;
        try (ClusterStore store = ClusterStore.open(dir, "127.0.0.1", port)) {
            assertThat(store.version(key)).isZero();
            assertThat(store.commit(Txn.builder().requireVersion(key, 0).put(key, "one").build())).isEmpty();
            version = store.version(key);
            assertThat(version).isPositive();
            // a writer that read the old version loses
            assertThat(store.commit(Txn.builder().requireVersion(key, 0).put(key, "two").build())).contains(key);
            assertThat(store.commit(Txn.builder().requireVersion(key, version).put(key, "two").build())).isEmpty();
            assertThat(store.version(key)).isGreaterThan(version);
            version = store.version(key);
            store.commit(put("cluster/other", "\"x\""));
            var other = store.readVersioned("cluster/other", String.class).orElseThrow();
            assertThat(other.value()).isEqualTo("x");
            assertThat(other.version()).isEqualTo(store.version("cluster/other")).isGreaterThan(version);
            store.takeSnapshot();
        }
        // versions survive a restart from the snapshot (format 2) and the log after it
        try (ClusterStore store = ClusterStore.open(dir, "127.0.0.1", port)) {
            assertThat(store.version(key)).isEqualTo(version);
            assertThat(store.get(key)).contains("two");
        }
    }

    private static String describe(StateEvent e) {
        return switch (e) {
            case StateEvent.NodeChanged n -> "node " + n.change() + " " + node(n.before()) + " -> " + node(n.after());
            case StateEvent.ContainerChanged c -> "container " + c.change() + " " + container(c.before()) + " -> "
                    + container(c.after());
            case StateEvent.NetworkChanged n -> "network " + n.change() + " "
                    + (n.before() == null ? null : n.before().name()) + " -> " + (n.after() == null ? null : n.after().name());
            case StateEvent.VolumeChanged v -> "volume " + v.change() + " " + v.name() + " " + v.nodeBefore() + " -> "
                    + v.nodeAfter();
            case StateEvent.NodeTransition t -> "transition " + t.nodeId() + " " + t.transition();
            case StateEvent.SnapshotInstalled s -> "snapshot";
        };
    }

    private static String node(NodeRecord r) {
        return r == null ? "null" : r.name() + new java.util.TreeMap<>(r.labels());
    }

    private static String container(ContainerRecord r) {
        return r == null ? "null" : r.name() + "@" + (r.isPending() ? "pending" : r.nodeId())
                + (r.engineId() == null ? "" : "/" + r.engineId());
    }
}
