package dev.shoal.manager.state;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Path;
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
    void aFailedPreconditionAppliesNothing() throws Exception {
        try (ClusterStore store = ClusterStore.open(dir, "127.0.0.1", freePort())) {
            store.commit(Txn.builder().put("name/web", "one").build());
            var conflict = store.commit(Txn.builder()
                    .put("container/two", "{}")
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
}
