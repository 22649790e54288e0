package dev.shoal.manager.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.manager.state.ClusterStore;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A list endpoint's {@code filters} parameter, for the filters the manager applies itself over a merged list (the
 * engines would judge them against their own copies: other IDs, names without the node). The matching is the
 * engine's: {@link #match} is an exact match or an unanchored regular expression, {@link #matchKeyValues} the
 * {@code label=KEY} / {@code label=KEY=VALUE} test (every value must hold).
 */
public final class ListFilters {
    private final Map<String, List<String>> values;

    private ListFilters(Map<String, List<String>> values) {
        this.values = values;
    }

    /** Parsed filters, or empty when the parameter is missing or malformed (the engines then answer it). */
    public static Optional<ObjectNode> parse(String json) {
        if (json == null || json.isBlank()) {
            return Optional.of(ClusterStore.JSON.createObjectNode());
        }
        try {
            return ClusterStore.JSON.readTree(json) instanceof ObjectNode o ? Optional.of(o) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** Takes {@code keys} out of {@code filters} (changed in place) and keeps their values. */
    public static ListFilters take(ObjectNode filters, String... keys) {
        Map<String, List<String>> taken = new LinkedHashMap<>();
        for (String k : keys) {
            JsonNode v = filters.remove(k);
            if (v != null) {
                taken.put(k, NodeFilter.values(v));
            }
        }
        return new ListFilters(taken);
    }

    public boolean has(String key) {
        return values.containsKey(key);
    }

    public List<String> get(String key) {
        return values.getOrDefault(key, List.of());
    }

    /** No values for {@code key}, or one equal to {@code source} or found in it as a regular expression. */
    public boolean match(String key, String source) {
        List<String> wanted = values.get(key);
        if (wanted == null || wanted.isEmpty()) {
            return true;
        }
        for (String w : wanted) {
            if (w.equals(source)) {
                return true;
            }
            try {
                if (Pattern.compile(w).matcher(source).find()) {
                    return true;
                }
            } catch (PatternSyntaxException e) {
                // an engine skips a value that is no regular expression
            }
        }
        return false;
    }

    /** No values for {@code key}, or one equal to {@code source}. */
    public boolean exact(String key, String source) {
        List<String> wanted = values.get(key);
        return wanted == null || wanted.isEmpty() || wanted.contains(source);
    }

    /** Every {@code KEY} or {@code KEY=VALUE} value of {@code key} holds for {@code labels} (a JSON object). */
    public boolean matchKeyValues(String key, JsonNode labels) {
        List<String> wanted = values.get(key);
        if (wanted == null || wanted.isEmpty()) {
            return true;
        }
        if (labels == null || !labels.isObject() || labels.isEmpty()) {
            return false;
        }
        for (String w : wanted) {
            int eq = w.indexOf('=');
            String k = eq < 0 ? w : w.substring(0, eq);
            JsonNode v = labels.get(k);
            if (v == null || eq >= 0 && !v.asText().equals(w.substring(eq + 1))) {
                return false;
            }
        }
        return true;
    }
}
