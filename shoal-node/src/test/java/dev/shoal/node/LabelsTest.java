package dev.shoal.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class LabelsTest {
    @Test void parsesKeyValueInOrder() {
        assertThat(Labels.parse(List.of("zone=a", "disk=ssd", "empty=", "eq=a=b")))
                .containsExactly(java.util.Map.entry("zone", "a"), java.util.Map.entry("disk", "ssd"),
                        java.util.Map.entry("empty", ""), java.util.Map.entry("eq", "a=b"));
        assertThat(Labels.parse(List.of())).isEmpty();
    }

    @Test void rejectsMissingEqualsEmptyKeyAndDuplicates() {
        assertThatThrownBy(() -> Labels.parse(List.of("zone"))).hasMessageContaining("key=value");
        assertThatThrownBy(() -> Labels.parse(List.of("=a"))).hasMessageContaining("key is empty");
        assertThatThrownBy(() -> Labels.parse(List.of(" =a"))).hasMessageContaining("key is empty");
        assertThatThrownBy(() -> Labels.parse(List.of("a=1", "a=2"))).hasMessageContaining("twice");
    }
}
