package dev.shoal.manager.scheduler;

import com.fasterxml.jackson.databind.JsonNode;
import dev.shoal.manager.dispatcher.EngineInfo;
import dev.shoal.manager.dispatcher.NodeStatus;
import dev.shoal.manager.state.ClusterStore;
import dev.shoal.manager.state.ContainerRecord;
import dev.shoal.manager.state.NodeRecord;
import dev.shoal.scheduler.ClusterSnapshot;
import dev.shoal.scheduler.model.ImageInfo;
import dev.shoal.scheduler.model.NodeInfo;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** How the manager turns a node's report, its records and its engine's images into the scheduler's view. */
class PlacerNodeInfoTest {
    private static JsonNode json(String text) throws Exception {
        return ClusterStore.JSON.readTree(text.replace('\'', '"'));
    }

    private static NodeStatus node(Map<String, String> labels, JsonNode info) {
        return new NodeStatus(new NodeRecord("n2", "node2", "10.0.0.2:2376", labels, 0), NodeStatus.Health.HEALTHY,
                EngineInfo.of(info), null, Instant.now());
    }

    private static ContainerRecord record(String id, boolean created) {
        ContainerRecord rec = ContainerRecord.placed("swarm-" + id, id, "n2", "busybox", 0, 0, Map.of(), List.of());
        return created ? rec.withEngineId("engine-" + id) : rec;
    }

    @Test
    void anEngineLabelContainerSlotsCapsTheNodeAndTheEnginesOwnContainersCount() throws Exception {
        // dockerd --label containerslots=2; the engine has 3 containers, 1 of them made through the manager
        JsonNode info = json("{'NCPU':2,'MemTotal':1000,'Containers':3,'Labels':['containerslots=2','zone=x']}");
        NodeInfo n = Placer.nodeInfo(node(Map.of(), info), EngineInfo.of(info), List.of(record("a", true)), List.of());
        assertThat(n.engineLabels()).containsEntry("containerslots", "2");
        assertThat(n.containerCount()).as("1 record + 2 the manager did not make").isEqualTo(3);
        ClusterSnapshot s = ClusterSnapshot.of(List.of(n));
        assertThat(s.slots(0)).isEqualTo(2);
        assertThat(s.containerCount(0)).isEqualTo(3);
    }

    @Test
    void aRecordTheEngineHasNotCreatedYetCountsBesideTheEnginesContainers() throws Exception {
        Map<String, String> capped = Map.of("containerslots", "4"); // shoal join --label containerslots=4
        JsonNode info = json("{'NCPU':2,'MemTotal':1000,'Containers':1}");
        // the engine's one container is foreign; a placed record is on its way: 2, more than max(1, 1)
        NodeInfo n = Placer.nodeInfo(node(capped, info), EngineInfo.of(info), List.of(record("b", false)), List.of());
        assertThat(n.containerCount()).isEqualTo(2);
        // an engine report older than the records never lowers the count below the records
        JsonNode stale = json("{'NCPU':2,'MemTotal':1000,'Containers':0}");
        assertThat(Placer.nodeInfo(node(capped, stale), EngineInfo.of(stale), List.of(record("c", true), record("d", true)),
                List.of()).containerCount()).isEqualTo(2);
        // an uncapped node counts the records alone (the engine's count would only reorder spread)
        assertThat(Placer.nodeInfo(node(Map.of(), info), EngineInfo.of(info), List.of(record("e", true)), List.of())
                .containerCount()).isEqualTo(1);
    }

    @Test
    void imagesFromTheEnginesList() throws Exception {
        List<ImageInfo> images = Placer.images(json("[{'Id':'sha256:aa','RepoTags':['busybox:latest','test:latest'],"
                + "'RepoDigests':['busybox@sha256:bb']},{'Id':'sha256:cc','RepoTags':['<none>:<none>'],"
                + "'RepoDigests':null}]"));
        assertThat(images).containsExactly(new ImageInfo("sha256:aa", List.of("busybox:latest", "test:latest"),
                List.of("busybox@sha256:bb")), new ImageInfo("sha256:cc", List.of(), List.of()));
    }
}
