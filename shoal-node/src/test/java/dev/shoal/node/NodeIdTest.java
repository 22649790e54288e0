package dev.shoal.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeIdTest {
    @TempDir Path dir;

    @Test void generatesSwarmKitShapedIds() {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String id = NodeId.generate();
            assertThat(id).matches("[a-z0-9]{25}");
            ids.add(id);
        }
        assertThat(ids).hasSize(1000);
    }

    @Test void createsOnFirstStartAndReusesAfterRestart() throws IOException {
        Path dataDir = dir.resolve("nested/agent");
        String first = NodeId.loadOrCreate(dataDir);
        assertThat(first).matches("[a-z0-9]{25}");
        assertThat(Files.readString(dataDir.resolve(NodeId.FILE_NAME)).strip()).isEqualTo(first);
        assertThat(NodeId.loadOrCreate(dataDir)).isEqualTo(first);
        try (var files = Files.list(dataDir)) {
            assertThat(files).containsExactly(dataDir.resolve(NodeId.FILE_NAME));
        }
    }

    @Test void refusesAGarbledFileRatherThanChangingIdentity() throws IOException {
        Files.writeString(dir.resolve(NodeId.FILE_NAME), "not an id\n");
        assertThatThrownBy(() -> NodeId.loadOrCreate(dir)).isInstanceOf(IOException.class)
                .hasMessageContaining("does not hold a node ID");
    }
}
