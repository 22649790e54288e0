package dev.shoal.manager.api;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/api-coverage.md against the Docker Engine API spec (a copy of ../shared/reference's in test resources) and
 * the manager's route table: every endpoint of the spec has a row, every row is an endpoint of the spec, and what a
 * row says (served or refused) is what the routes do.
 */
class ApiCoverageTest {
    private static final Pattern SPEC_PATH = Pattern.compile("^  (/\\S+):\\s*$");
    private static final Pattern SPEC_METHOD = Pattern.compile("^    (get|post|put|delete|head|patch):\\s*$");
    private static final Pattern ROW = Pattern.compile("^\\| (GET|POST|PUT|DELETE|HEAD|PATCH) \\| `([^`]+)` \\| ([a-z ]+) \\|");

    /** "METHOD /path" of every operation in the spec, in its order. */
    static List<String> specEndpoints() throws IOException {
        List<String> out = new ArrayList<>();
        try (InputStream in = ApiCoverageTest.class.getResourceAsStream("/docker-engine-api-v1.41.yaml")) {
            assertThat(in).as("the spec in test resources").isNotNull();
            boolean inPaths = false;
            String path = null;
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.startsWith("paths:")) {
                    inPaths = true;
                    continue;
                }
                if (!inPaths) {
                    continue;
                }
                if (!line.isEmpty() && !Character.isWhitespace(line.charAt(0))) {
                    break;
                }
                Matcher p = SPEC_PATH.matcher(line);
                if (p.matches()) {
                    path = p.group(1);
                    continue;
                }
                Matcher m = SPEC_METHOD.matcher(line);
                if (m.matches()) {
                    out.add(m.group(1).toUpperCase() + " " + path);
                }
            }
        }
        return out;
    }

    /** "METHOD /path" → how, from the table. */
    static Map<String, String> table() throws IOException {
        Path doc = Path.of("..", "docs", "api-coverage.md");
        Map<String, String> rows = new LinkedHashMap<>();
        for (String line : Files.readAllLines(doc)) {
            Matcher m = ROW.matcher(line);
            if (m.find()) {
                String key = m.group(1) + " " + m.group(2);
                assertThat(rows.put(key, m.group(3).strip())).as("row %s appears once", key).isNull();
            }
        }
        return rows;
    }

    @Test
    void theTableListsExactlyTheSpecsEndpoints() throws IOException {
        List<String> spec = specEndpoints();
        assertThat(spec).hasSizeGreaterThan(100);
        assertThat(table().keySet()).containsExactlyInAnyOrderElementsOf(spec);
    }

    @Test
    void everyRowSaysWhatTheRoutesDo() throws IOException {
        ApiRoutes routes = new ApiRoutes(null);
        List<String> wrong = new ArrayList<>();
        table().forEach((endpoint, how) -> {
            assertThat(how).isIn("routed", "fanned out", "manager", "any node", "refused");
            String method = endpoint.substring(0, endpoint.indexOf(' '));
            String path = endpoint.substring(endpoint.indexOf(' ') + 1)
                    .replace("{id}", "c0ffee").replace("{name}", "busybox");
            ApiRoutes.Answer answer = routes.answer(method, path);
            boolean served = answer == ApiRoutes.Answer.SERVED;
            if (served == how.equals("refused")) {
                wrong.add(endpoint + ": the table says " + how + ", the routes say " + answer);
            }
        });
        assertThat(wrong).isEmpty();
    }

    @Test
    void noEndpointIsLeftToTheCatchAll() throws IOException {
        ApiRoutes routes = new ApiRoutes(null);
        List<String> unknown = specEndpoints().stream().filter(e -> {
            String method = e.substring(0, e.indexOf(' '));
            String path = e.substring(e.indexOf(' ') + 1).replace("{id}", "c0ffee").replace("{name}", "busybox");
            return routes.answer(method, path) == ApiRoutes.Answer.UNKNOWN;
        }).toList();
        // what is not served yet is refused by a route that names it; the catch-all is for paths outside the spec
        assertThat(unknown).as("endpoints only the catch-all answers").isEmpty();
    }
}
