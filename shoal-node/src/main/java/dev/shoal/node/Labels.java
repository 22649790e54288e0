package dev.shoal.node;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Node labels given as {@code key=value}. */
public final class Labels {
    private Labels() {
    }

    /** One {@code key=value}; the key must be non-empty, the value may be empty. */
    public static Map.Entry<String, String> parseOne(String text) {
        int eq = text == null ? -1 : text.indexOf('=');
        if (eq < 0) {
            throw new IllegalArgumentException("label must be key=value, got '" + text + "'");
        }
        String key = text.substring(0, eq).strip();
        if (key.isEmpty()) {
            throw new IllegalArgumentException("label key is empty in '" + text + "'");
        }
        return Map.entry(key, text.substring(eq + 1).strip());
    }

    /** Several labels, in the order given; a key given twice is an error. */
    public static Map<String, String> parse(List<String> texts) {
        Map<String, String> labels = new LinkedHashMap<>();
        for (String text : texts) {
            Map.Entry<String, String> label = parseOne(text);
            if (labels.putIfAbsent(label.getKey(), label.getValue()) != null) {
                throw new IllegalArgumentException("label '" + label.getKey() + "' given twice");
            }
        }
        return Collections.unmodifiableMap(labels);
    }
}
