package dev.shoal.manager.orchestrator;

import dev.shoal.manager.dispatcher.NodeStatus;
import dev.shoal.manager.state.ClusterStore;
import dev.shoal.manager.state.NodeRecord;
import dev.shoal.manager.state.NodeState;
import dev.shoal.manager.state.Txn;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** A pass checks every node of a small cluster; of a large one a bounded share in turn, and first what came up. */
class NetworkSyncTest {
    @TempDir Path dir;

    private static List<NodeStatus> nodes(int n) {
        List<NodeStatus> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new NodeStatus(new NodeRecord("node" + i + "id00", "node" + i, "10.0." + i / 250 + "." + i % 250
                    + ":4243", Map.of(), 1L), NodeStatus.Health.HEALTHY, null, null, null));
        }
        return out;
    }

    @Test
    void passesVisitEveryNodeInTurnWithinTheirBoundAndANodeThatCameUpFirst() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        try (ClusterStore store = ClusterStore.open(dir, "127.0.0.1", port)) {
            NetworkSync sync = new NetworkSync(store, null, null, null);
            assertThat(sync.due(nodes(3))).hasSize(3);

            List<NodeStatus> many = nodes(250);
            Set<String> visited = new HashSet<>();
            for (int pass = 0; pass < 3; pass++) {
                List<NodeStatus> due = sync.due(many);
                assertThat(due).hasSize(NetworkSync.PER_PASS);
                due.forEach(n -> visited.add(n.id()));
            }
            assertThat(visited).as("every node within three passes").hasSize(250);

            // node 240 returns: the next pass checks it whatever the turn
            NodeState returned = new NodeState("node240id00", true, 1, null);
            store.commit(Txn.builder().put(returned.key(), ClusterStore.toJson(returned)).build());
            List<NodeStatus> due = sync.due(many);
            assertThat(due.get(0).id()).isEqualTo("node240id00");
            assertThat(due).hasSize(NetworkSync.PER_PASS + 1);
        }
    }
}
