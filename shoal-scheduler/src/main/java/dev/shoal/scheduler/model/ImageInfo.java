package dev.shoal.scheduler.model;

import java.util.List;

/**
 * An image an engine holds, as its {@code GET /images/json} lists it: what {@code affinity:image==X} matches
 * (classic Swarm's reading: a node whose engine holds X, by ID, {@code repo:tag}, or repository without tag).
 *
 * @param id          {@code sha256:…}
 * @param repoTags    {@code busybox:latest}, {@code host:5000/app:1} ({@code <none>:<none>} is dropped)
 * @param repoDigests {@code busybox@sha256:…}
 */
public record ImageInfo(String id, List<String> repoTags, List<String> repoDigests) {
    public ImageInfo {
        id = id == null ? "" : id;
        repoTags = repoTags == null ? List.of()
                : repoTags.stream().filter(t -> t != null && !t.isEmpty() && !t.equals("<none>:<none>")).toList();
        repoDigests = repoDigests == null ? List.of()
                : repoDigests.stream().filter(d -> d != null && !d.isEmpty() && !d.startsWith("<none>")).toList();
    }

    public static ImageInfo of(String id, String... repoTags) {
        return new ImageInfo(id, List.of(repoTags), List.of());
    }
}
