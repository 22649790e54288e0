package dev.shoal.manager.views;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The events stream read a line at a time through a small buffer. */
class EventLinesTest {
    private static List<String> read(InputStream in) throws IOException {
        NodeWatch.EventLines lines = new NodeWatch.EventLines(in);
        List<String> out = new ArrayList<>();
        for (JsonNode ev; (ev = lines.next()) != null; ) {
            out.add(ev.path("Action").asText());
        }
        return out;
    }

    /** Hands out at most {@code n} bytes a read, as a network stream may. */
    private static InputStream dribble(byte[] bytes, int n) {
        return new FilterInputStream(new ByteArrayInputStream(bytes)) {
            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                return super.read(b, off, Math.min(len, n));
            }
        };
    }

    @Test
    void eventsSplitAcrossReadsBlankLinesAndALastLineWithoutNewline() throws IOException {
        String long1 = "x".repeat(5_000);
        String text = "{\"Action\":\"create\"}\n\n  \r\n{\"Action\":\"start\",\"pad\":\"" + long1 + "\"}\r\n"
                + "{\"Action\":\"die\"}\n{\"Action\":\"destroy\"}";
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        assertThat(read(new ByteArrayInputStream(bytes))).containsExactly("create", "start", "die", "destroy");
        assertThat(read(dribble(bytes, 7))).containsExactly("create", "start", "die", "destroy");
    }

    @Test
    void anEmptyStreamHasNoEvents() throws IOException {
        assertThat(read(new ByteArrayInputStream(new byte[0]))).isEmpty();
        assertThat(read(new ByteArrayInputStream("\n\n".getBytes(StandardCharsets.UTF_8)))).isEmpty();
    }
}
