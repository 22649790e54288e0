package dev.shoal.manager.state;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ClusterStoreTest {
    @TempDir Path dir;

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void committedStateSurvivesARestart() throws Exception {
        int port = freePort();
        NodeRecord node = new NodeRecord("abcdefgh12345678", "node1", "10.0.0.1:4243", Map.of("disk", "ssd"), 1L);
        try (ClusterStore store = ClusterStore.open(dir, "127.0.0.1", port)) {
            assertThat(store.commit(Txn.builder().put(node.key(), ClusterStore.toJson(node)).build())).isEmpty();
        }
        try (ClusterStore store = ClusterStore.open(dir, "127.0.0.1", port)) {
            assertThat(store.read(node.key(), NodeRecord.class)).contains(node);
        }
    }

    @Test
    void aPlainRaftClientWithAMalformedRecordIsRefusedAndTheStoreKeepsCommitting() throws Exception {
        int port = freePort();
        try (ClusterStore store = ClusterStore.open(dir, "127.0.0.1", port)) {
            store.onEvent(event -> {
                throw new IllegalStateException("a listener that always fails");
            });
            var peer = org.apache.ratis.protocol.RaftPeer.newBuilder().setId("m1").setAddress("127.0.0.1:" + port).build();
            var group = org.apache.ratis.protocol.RaftGroup.valueOf(org.apache.ratis.protocol.RaftGroupId.valueOf(
                    java.util.UUID.nameUUIDFromBytes("shoal-cluster".getBytes(java.nio.charset.StandardCharsets.UTF_8))), peer);
            try (var raw = org.apache.ratis.client.RaftClient.newBuilder()
                    .setProperties(new org.apache.ratis.conf.RaftProperties()).setRaftGroup(group).build()) {
                for (String bad : List.of("{\"ops\":[{\"kind\":\"PUT\",\"key\":\"container/x\",\"value\":\"{not json\"}]}",
                        "{\"ops\":[{\"kind\":\"PUT\",\"key\":\"node/x\",\"value\":\"[1,2]\"}]}",
                        "not a transaction at all", "{\"ops\":[]}")) {
                    var reply = sendQuietly(raw, bad);
                    assertThat(reply == null || !reply.isSuccess()).as(bad).isTrue();
                }
            }
            assertThat(store.get("container/x")).isEmpty();
            // the store's own callers are refused the same way, at once
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> store.commit(
                    Txn.builder().put("network/y", "{broken").build())).hasMessageContaining("network/y");
            assertThat(store.get("node/x")).isEmpty();
            NodeRecord node = new NodeRecord("abcdefgh12345678", "node1", "10.0.0.1:4243", Map.of(), 1L);
            assertThat(store.commit(Txn.builder().put(node.key(), ClusterStore.toJson(node)).build())).isEmpty();
            assertThat(store.read(node.key(), NodeRecord.class)).contains(node);
        }
        try (ClusterStore store = ClusterStore.open(dir, "127.0.0.1", port)) {
            assertThat(store.get("node/abcdefgh12345678")).isPresent(); // the log replays: nothing bad was in it
            assertThat(store.commit(Txn.builder().put("k", "v").build())).isEmpty();
        }
    }

    private static org.apache.ratis.protocol.RaftClientReply sendQuietly(org.apache.ratis.client.RaftClient raw, String text) {
        try {
            return raw.io().send(org.apache.ratis.protocol.Message.valueOf(text));
        } catch (java.io.IOException refused) {
            return null;
        }
    }

    @Test
    void aRecordBeingChangedIsNeverMissingFromTheIndex() throws Exception {
        try (ClusterStore store = ClusterStore.open(dir, "127.0.0.1", freePort())) {
            ContainerIndex index = new ContainerIndex(store);
            ContainerRecord rec = ContainerRecord.placed("s1", "web", "n1", "busybox", 1, 0, Map.of(),
                    List.of("80/tcp")).withEngineId("e1");
            store.commit(Txn.builder().put(rec.key(), ClusterStore.toJson(rec)).build());
            java.util.concurrent.atomic.AtomicInteger missing = new java.util.concurrent.atomic.AtomicInteger();
            java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
            Thread reader = Thread.ofPlatform().start(() -> {
                while (!done.get()) {
                    if (index.all().stream().noneMatch(r -> r.swarmId().equals("s1"))
                            || index.byName("web").isEmpty() || index.byEngineId("e1").isEmpty()) {
                        missing.incrementAndGet();
                    }
                }
            });
            try {
                for (int i = 2; i < 400; i++) {
                    ContainerRecord next = rec.withReservation(i, 0);
                    store.commit(Txn.builder().put(next.key(), ClusterStore.toJson(next)).build());
                }
            } finally {
                done.set(true);
                reader.join();
            }
            assertThat(missing.get()).as("reads that missed the record while it changed").isZero();
        }
    }

    @Test
    void aFailedPreconditionAppliesNothing() throws Exception {
        try (ClusterStore store = ClusterStore.open(dir, "127.0.0.1", freePort())) {
            store.commit(Txn.builder().put("name/web", "one").build());
            var conflict = store.commit(Txn.builder()
                    .put("container/two", ClusterStore.toJson(ContainerRecord.placed("two", "two", "n1", "busybox", 0, 0,
                            Map.of(), java.util.List.of())))
                    .requireAbsent("name/web")
                    .put("name/web", "two")
                    .build());
            assertThat(conflict).contains("name/web");
            assertThat(store.get("name/web")).contains("one");
            assertThat(store.get("container/two")).isEmpty();
        }
    }

    @Test
    void theIndexFollowsCommits() throws Exception {
        try (ClusterStore store = ClusterStore.open(dir, "127.0.0.1", freePort())) {
            ContainerIndex index = new ContainerIndex(store);
            ContainerRecord rec = ContainerRecord.placed("s1", "web", "n1", "busybox", 0, 0, java.util.Map.of(), java.util.List.of());
            store.commit(Txn.builder().put(rec.key(), ClusterStore.toJson(rec)).build());
            assertThat(index.byName("web")).contains(rec);
            ContainerRecord created = rec.withEngineId("e1");
            store.commit(Txn.builder().put(rec.key(), ClusterStore.toJson(created)).build());
            assertThat(index.exact("e1")).contains(created);
            store.commit(Txn.builder().delete(rec.key()).build());
            assertThat(index.exact("web")).isEmpty();
            assertThat(index.countOnNode("n1")).isZero();
        }
    }

    @Test
    void aRecordWrittenBeforeItsNewestFieldsStillMatchesWhatAReaderMadeOfIt() throws Exception {
        // as an earlier version wrote it: "startRequested" (now desiredRunning), no reschedule policy
        String old = "{\"swarmId\":\"s9\",\"name\":\"web\",\"nodeId\":null,\"engineId\":null,\"image\":\"busybox\","
                + "\"memoryBytes\":0,\"nanoCpus\":0,\"createdAtMillis\":1,\"labels\":{},\"ports\":[],\"spec\":null,"
                + "\"startRequested\":true,\"pendingReason\":\"no node\"}";
        ContainerRecord read = ClusterStore.fromJson(old, ContainerRecord.class);
        assertThat(read.desiredRunning()).isTrue();
        assertThat(read.reschedule()).isEqualTo(ReschedulePolicy.OFF);
        try (ClusterStore store = ClusterStore.open(dir, "127.0.0.1", freePort())) {
            assertThat(store.commit(Txn.builder().put(read.key(), old).build())).isEmpty();
            ContainerRecord placed = read.placedOn("n1");
            assertThat(store.commit(Txn.builder().requireValue(read.key(), ClusterStore.toJson(read))
                    .put(read.key(), ClusterStore.toJson(placed)).build())).as("the same record, newer text").isEmpty();
            assertThat(store.commit(Txn.builder().requireValue(read.key(), ClusterStore.toJson(read))
                    .put(read.key(), ClusterStore.toJson(read)).build())).as("a stale read still loses")
                    .contains(read.key());
            assertThat(store.read(read.key(), ContainerRecord.class)).contains(placed);
        }
    }
}
