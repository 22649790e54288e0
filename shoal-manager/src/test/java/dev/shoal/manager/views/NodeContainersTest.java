package dev.shoal.manager.views;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.manager.state.ClusterStore;
import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/** A view's marks and sync: a list waits for every mark made before it, and for a round already under way. */
class NodeContainersTest {
    private final ContainerViews views = new ContainerViews(null, null);
    private final NodeContainers view = new NodeContainers("n1", views);

    private static ContainerEntry entry(String id, String label, String state) throws Exception {
        ObjectNode summary = (ObjectNode) ClusterStore.JSON.readTree("{\"Id\":\"" + id + "\",\"Names\":[\"/c-" + id
                + "\"],\"Created\":1,\"Labels\":{\"" + label + "\":\"v\"}}");
        return new ContainerEntry("n1", summary, ContainerState.of(ClusterStore.JSON.readTree(
                "{\"Status\":\"" + state + "\",\"Running\":" + state.equals("running") + "}")), null);
    }

    @Test
    void aSyncWithNothingMarkedIsImmediate() {
        view.ready(true);
        assertThat(view.sync()).isCompleted();
    }

    @Test
    void aSyncWaitsForTheRoundThatFetchesTheMark() {
        view.ready(true);
        view.mark("a");
        CompletableFuture<Void> sync = view.sync();
        assertThat(sync).isNotDone();
        Set<String> fetched = new HashSet<>();
        view.round(fetched::addAll);
        assertThat(fetched).containsExactly("a");
        assertThat(sync).isCompleted();
    }

    @Test
    void aSyncDuringARoundWaitsForTheNextOne() {
        view.ready(true);
        view.mark("a");
        CompletableFuture<?>[] during = new CompletableFuture<?>[1];
        view.round(ids -> during[0] = view.sync()); // the marks are taken: a sync now cannot be answered yet
        assertThat(during[0]).isNotDone();
        view.round(ids -> { });
        assertThat(during[0]).isCompleted();
    }

    @Test
    void aStoppedViewFailsItsWaiters() {
        view.ready(true);
        view.mark("a");
        CompletableFuture<Void> sync = view.sync();
        view.ready(false);
        assertThat(sync).isCompletedExceptionally();
        assertThat(view.sync()).isCompletedExceptionally();
    }

    @Test
    void aDestroyAfterAFetchRemovesTheEntryAndItsLabelIndex() throws Exception {
        view.ready(true);
        view.put(entry("a", "k", "running"));
        view.put(entry("b", "k", "exited"));
        assertThat(views.withLabel("k")).hasSize(2);
        assertThat(view.counts()).isEqualTo(new NodeContainers.Counts(2, 1, 0, 1));
        view.destroyedEvent("a");
        view.round(ids -> { });
        assertThat(view.entry("a")).isEmpty();
        assertThat(views.withLabel("k")).extracting(ContainerEntry::engineId).containsExactly("b");
    }

    @Test
    void imageIdsAreCurrentUntilTheNextImageEvent() {
        view.ready(true);
        long asOf = view.imageChanges();
        view.imageIds(Set.of("sha256:1"), asOf);
        assertThat(view.imageIds()).contains(Set.of("sha256:1"));
        view.imageEvent();
        assertThat(view.imageIds()).isEmpty();
    }
}
