package dev.shoal.manager.api.images;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.manager.state.ClusterStore;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.HashSet;
import java.util.Set;

/**
 * Joins image archives ({@code docker save} of different nodes) into one, as one engine would have written it:
 * every file once (layers the images share are written once), and the index files merged — {@code manifest.json}
 * (one entry per image), {@code repositories} (tags) and, in OCI layouts, {@code index.json}. Streams: only the
 * index files are held in memory.
 */
final class ArchiveMerge implements AutoCloseable {
    private final TarArchiveOutputStream out;
    private final Set<String> written = new HashSet<>();
    private final ArrayNode manifest = ClusterStore.JSON.createArrayNode();
    private final ObjectNode repositories = ClusterStore.JSON.createObjectNode();
    private ObjectNode index;

    ArchiveMerge(OutputStream target) {
        this.out = new TarArchiveOutputStream(target);
        out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    }

    /** Copies one archive's files in, keeping its index files for the end. */
    void add(InputStream archive) throws IOException {
        TarArchiveInputStream in = new TarArchiveInputStream(archive);
        for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
            String name = e.getName();
            switch (name) {
                case "manifest.json" -> ClusterStore.JSON.readTree(in.readAllBytes()).forEach(manifest::add);
                case "repositories" -> mergeRepositories(ClusterStore.JSON.readTree(in.readAllBytes()));
                case "index.json" -> mergeIndex(ClusterStore.JSON.readTree(in.readAllBytes()));
                default -> {
                    if (written.add(name)) {
                        out.putArchiveEntry(e);
                        in.transferTo(out);
                        out.closeArchiveEntry();
                    }
                }
            }
        }
    }

    private void mergeRepositories(JsonNode repos) {
        repos.properties().forEach(r -> {
            ObjectNode tags = repositories.path(r.getKey()) instanceof ObjectNode o ? o
                    : repositories.putObject(r.getKey());
            if (r.getValue() instanceof ObjectNode theirs) {
                tags.setAll(theirs);
            }
        });
    }

    private void mergeIndex(JsonNode theirs) {
        if (index == null) {
            index = (ObjectNode) theirs.deepCopy();
            return;
        }
        ArrayNode manifests = index.path("manifests") instanceof ArrayNode a ? a : index.putArray("manifests");
        theirs.path("manifests").forEach(manifests::add);
    }

    private void put(String name, byte[] bytes) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(bytes.length);
        e.setModTime(0L);
        out.putArchiveEntry(e);
        out.write(bytes);
        out.closeArchiveEntry();
    }

    /** Writes the merged index files and ends the archive. */
    @Override
    public void close() throws IOException {
        if (index != null) {
            put("index.json", ClusterStore.JSON.writeValueAsBytes(index));
        }
        put("manifest.json", ClusterStore.JSON.writeValueAsBytes(manifest));
        if (!repositories.isEmpty()) {
            put("repositories", ClusterStore.JSON.writeValueAsBytes(repositories));
        }
        out.finish();
        out.flush();
    }
}
