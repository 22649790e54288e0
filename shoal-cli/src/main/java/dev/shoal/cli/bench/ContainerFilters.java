package dev.shoal.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The {@code filters} of {@code GET /containers/json} as dockerd reads them: {@code {"name":["x"]}} (or the old
 * {@code {"name":{"x":true}}}); {@code id} is a prefix, {@code name} an unanchored regular expression over the names,
 * {@code label} {@code KEY} or {@code KEY=VALUE}, {@code status} the state. Other filters match everything.
 */
record ContainerFilters(Map<String, List<String>> values) {
    static final ContainerFilters NONE = new ContainerFilters(Map.of());

    static ContainerFilters parse(String json) {
        if (json == null || json.isBlank()) {
            return NONE;
        }
        JsonNode root;
        try {
            root = EngineFacts.JSON.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("invalid filter: " + e.getMessage());
        }
        Map<String, List<String>> out = new HashMap<>();
        root.fields().forEachRemaining(f -> {
            List<String> list = new ArrayList<>();
            if (f.getValue().isArray()) {
                f.getValue().forEach(v -> list.add(v.asText()));
            } else {
                f.getValue().fieldNames().forEachRemaining(list::add);
            }
            out.put(f.getKey(), list);
        });
        return new ContainerFilters(out);
    }

    boolean matches(SimulatedEngine.Container c) {
        return all("id", c.id()::startsWith)
                && all("name", v -> Pattern.compile(v).matcher("/" + c.name()).find())
                && all("status", c.state()::equals)
                && every("label", v -> hasLabel(c.labels(), v));
    }

    /** One of the values of {@code key} matches (dockerd ORs the values of one filter). */
    private boolean all(String key, java.util.function.Predicate<String> test) {
        List<String> vs = values.get(key);
        return vs == null || vs.stream().anyMatch(test);
    }

    /** Every value matches (dockerd ANDs label filters). */
    private boolean every(String key, java.util.function.Predicate<String> test) {
        List<String> vs = values.get(key);
        return vs == null || vs.stream().allMatch(test);
    }

    private static boolean hasLabel(Map<String, String> labels, String filter) {
        int eq = filter.indexOf('=');
        if (eq < 0) {
            return labels.containsKey(filter);
        }
        return filter.substring(eq + 1).equals(labels.get(filter.substring(0, eq)));
    }
}
