package dev.shoal.manager.views;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.manager.state.ClusterStore;
import dev.shoal.manager.state.ContainerIndex;
import dev.shoal.manager.state.ContainerObserved;
import dev.shoal.manager.state.ContainerRecord;
import dev.shoal.manager.state.Txn;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The observed-state writer: what the node views report of the manager's containers, batched into the store. */
class ObservedStatesTest {
    @TempDir Path dir;

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static ContainerEntry entry(String node, String engineId, String swarmId, String state, int exit)
            throws Exception {
        ObjectNode summary = (ObjectNode) ClusterStore.JSON.readTree("{\"Id\":\"" + engineId + "\",\"Names\":[\"/c\"],"
                + "\"Created\":1,\"Labels\":{\"" + ContainerRecord.SWARM_ID_LABEL + "\":\"" + swarmId + "\"}}");
        boolean running = state.equals("running");
        return new ContainerEntry(node, summary, ContainerState.of(ClusterStore.JSON.readTree("{\"Status\":\"" + state
                + "\",\"Running\":" + running + ",\"ExitCode\":" + exit + ",\"StartedAt\":\"2026-12-02T05:00:00Z\","
                + "\"FinishedAt\":\"" + (running ? "0001-01-01T00:00:00Z" : "2026-12-02T05:01:00Z") + "\"}")), null);
    }

    private static void put(ClusterStore store, ContainerRecord r) {
        assertThat(store.commit(Txn.builder().put(r.key(), ClusterStore.toJson(r)).build())).isEmpty();
    }

    @Test
    void writesWhatTheRecordsNodeReportsOnceABatchAndForgetsItWithTheRecord() throws Exception {
        try (ClusterStore store = ClusterStore.open(dir, "127.0.0.1", freePort())) {
            ContainerIndex index = new ContainerIndex(store);
            ContainerViews views = new ContainerViews(null, null);
            ObservedStates observed = new ObservedStates(store, index, views, java.time.Duration.ofHours(1));
            ContainerRecord web = ContainerRecord.placed("s1", "web", "n1", "busybox", 0, 0, Map.of(), List.of())
                    .withEngineId("e1");
            ContainerRecord db = ContainerRecord.placed("s2", "db", "n1", "busybox", 0, 0, Map.of(), List.of())
                    .withEngineId("e2");
            put(store, web);
            put(store, db);
            observed.start(); // its batches come an hour apart: the test flushes by hand
            observed.entryChanged("n1", null, entry("n1", "e1", "s1", "running", 0));
            observed.entryChanged("n1", null, entry("n1", "e2", "s2", "exited", 3));
            // reports that must not be written: another node's copy, another engine ID, a container of no record
            observed.entryChanged("n2", null, entry("n2", "e9", "s1", "exited", 137));
            observed.entryChanged("n1", null, entry("n1", "e8", "s1", "exited", 1));
            observed.entryChanged("n1", null, entry("n1", "e7", "s7", "running", 0));
            observed.flush();

            ContainerObserved w = observed.of("s1").orElseThrow();
            assertThat(w.status()).isEqualTo("running");
            assertThat(w.running()).isTrue();
            assertThat(w.engineId()).isEqualTo("e1");
            assertThat(w.sinceMillis()).isEqualTo(java.time.Instant.parse("2026-12-02T05:00:00Z").toEpochMilli());
            ContainerObserved d = observed.of("s2").orElseThrow();
            assertThat(d.status()).isEqualTo("exited");
            assertThat(d.exitCode()).isEqualTo(3);
            assertThat(observed.of("s7")).isEmpty();
            long version = store.version(ContainerObserved.key("s1"));

            // an unchanged report (a refresh) writes nothing; a change is written
            observed.entryChanged("n1", null, entry("n1", "e1", "s1", "running", 0));
            observed.flush();
            assertThat(store.version(ContainerObserved.key("s1"))).isEqualTo(version);
            observed.entryChanged("n1", null, entry("n1", "e1", "s1", "exited", 0));
            observed.flush();
            assertThat(observed.of("s1").orElseThrow().status()).isEqualTo("exited");

            // the record goes: so does its observed state
            assertThat(store.commit(Txn.builder().delete(web.key()).build())).isEmpty();
            observed.flush();
            assertThat(observed.of("s1")).isEmpty();
            assertThat(observed.of("s2")).isPresent();
        }
    }

    @Test
    void aBurstOfReportsIsWrittenInFewCommitsAndOrphansAreSweptAtStart() throws Exception {
        try (ClusterStore store = ClusterStore.open(dir, "127.0.0.1", freePort())) {
            ContainerIndex index = new ContainerIndex(store);
            ObservedStates observed = new ObservedStates(store, index, new ContainerViews(null, null),
                    java.time.Duration.ofHours(1));
            int n = ObservedStates.BATCH * 2 + 10;
            Txn.Builder records = Txn.builder();
            for (int i = 0; i < n; i++) {
                ContainerRecord r = ContainerRecord.placed("s" + i, "c" + i, "n1", "busybox", 0, 0, Map.of(),
                        List.of());
                records.put(r.key(), ClusterStore.toJson(r));
            }
            // an observed state left behind by a record removed while no writer ran
            records.put(ContainerObserved.key("orphan"), ClusterStore.toJson(
                    new ContainerObserved("orphan", "n1", "e0", "running", 0, 0)));
            assertThat(store.commit(records.build())).isEmpty();
            long before = store.version(ContainerObserved.key("orphan"));
            observed.start();
            for (int i = 0; i < n; i++) {
                observed.entryChanged("n1", null, entry("n1", "e" + i, "s" + i, "running", 0));
            }
            long indexBefore = store.version(ContainerRecord.PREFIX + "s0");
            observed.flush();
            assertThat(store.readAll(ContainerObserved.PREFIX, ContainerObserved.class)).hasSize(n);
            assertThat(store.get(ContainerObserved.key("orphan"))).isEmpty();
            // three transactions (of at most BATCH writes each) for 2 × BATCH + 11 writes
            List<Long> versions = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) {
                versions.add(store.version(ContainerObserved.key("s" + i)));
            }
            assertThat(versions.stream().distinct().count()).isEqualTo(3);
            assertThat(versions).allMatch(v -> v > indexBefore && v > before);
        }
    }
}
