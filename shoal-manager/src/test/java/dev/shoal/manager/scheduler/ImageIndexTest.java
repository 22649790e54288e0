package dev.shoal.manager.scheduler;

import dev.shoal.manager.state.ClusterStore;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** An image reference matches a node's image as its engine would resolve it. */
class ImageIndexTest {
    private static ImageIndex.Held busybox() throws Exception {
        var list = ClusterStore.JSON.readTree("""
                [{"Id": "sha256:a9d583973f65a19b3bbd7a4312b4e2c27712c44c0ed8b94e9a38cc73b7565b73",
                  "RepoTags": ["busybox:latest", "registry.local:5000/team/tool:1.2"],
                  "RepoDigests": ["busybox@sha256:5acba83a746c7608ed544dc1533b87c737a0b0fb730301639a0179f9344b1678"]}]
                """);
        return ImageIndex.read(list).get(0);
    }

    @Test
    void namesTagsDigestsAndIdsMatchAsAnEngineResolvesThem() throws Exception {
        ImageIndex.Held h = busybox();
        assertThat(ImageIndex.matches(h, "busybox")).isTrue();
        assertThat(ImageIndex.matches(h, "busybox:latest")).isTrue();
        assertThat(ImageIndex.matches(h, "docker.io/library/busybox")).isTrue();
        assertThat(ImageIndex.matches(h, "library/busybox:latest")).isTrue();
        assertThat(ImageIndex.matches(h, "registry.local:5000/team/tool:1.2")).isTrue();
        assertThat(ImageIndex.matches(h, "a9d583973f65")).isTrue();
        assertThat(ImageIndex.matches(h, "sha256:a9d583973f65a19b")).isTrue();
        assertThat(ImageIndex.matches(h,
                "busybox@sha256:5acba83a746c7608ed544dc1533b87c737a0b0fb730301639a0179f9344b1678")).isTrue();

        assertThat(ImageIndex.matches(h, "busybox:1.36")).isFalse();
        assertThat(ImageIndex.matches(h, "registry.local:5000/team/tool")).isFalse(); // :latest is not there
        assertThat(ImageIndex.matches(h, "a9d58")).isFalse(); // too short to be an ID prefix
        assertThat(ImageIndex.matches(h, "ffffffffffff")).isFalse();
        assertThat(ImageIndex.matches(h, "busybox@sha256:0000")).isFalse();
    }
}
