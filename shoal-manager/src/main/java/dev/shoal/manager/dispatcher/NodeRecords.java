package dev.shoal.manager.dispatcher;

import dev.shoal.manager.state.ClusterStore;
import dev.shoal.manager.state.NodeRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The committed node records, read from the store on every call but parsed only when a record's JSON changed: the
 * dispatcher is asked for every node on each placement, {@code info} and TLS handshake to a node, and parsing 5,000
 * records each time cost more than the rest of those calls.
 */
final class NodeRecords {
    private record Parsed(String json, NodeRecord record) { }

    private final ClusterStore store;
    private final Map<String, Parsed> byKey = new ConcurrentHashMap<>();

    NodeRecords(ClusterStore store) {
        this.store = store;
    }

    /** Every committed node record, in key order. */
    List<NodeRecord> all() {
        var entries = store.scan(NodeRecord.PREFIX);
        List<NodeRecord> out = new ArrayList<>(entries.size());
        for (Map.Entry<String, String> e : entries) {
            out.add(parse(e.getKey(), e.getValue()));
        }
        if (byKey.size() > entries.size()) {
            byKey.keySet().removeIf(k -> store.get(k).isEmpty()); // records removed since
        }
        return out;
    }

    /** Node {@code id}'s committed record, if any. */
    java.util.Optional<NodeRecord> get(String id) {
        String key = NodeRecord.PREFIX + id;
        return store.get(key).map(json -> parse(key, json));
    }

    private NodeRecord parse(String key, String json) {
        Parsed known = byKey.get(key);
        if (known != null && known.json().equals(json)) {
            return known.record();
        }
        NodeRecord record = ClusterStore.fromJson(json, NodeRecord.class);
        byKey.put(key, new Parsed(json, record));
        return record;
    }
}
