package dev.shoal.manager.api.containers;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.shoal.manager.dispatcher.NodeStatus;
import dev.shoal.manager.views.ContainerEntry;

import java.time.Instant;
import java.util.Comparator;

/**
 * One row of a merged {@code docker ps} answer: an entry of a node's view (serialized when written) or a JSON
 * object (an engine's answer, a pending or Host Down container).
 *
 * @param created whole seconds, as the list shows them
 * @param exact   the exact creation instant when known (a view's entry), to order containers made in one second
 */
record ListRow(long created, Instant exact, ContainerEntry entry, NodeStatus node, ObjectNode json) {
    /** Newest first, as an engine lists; within one second by the exact instant where both are known. */
    static final Comparator<ListRow> NEWEST_FIRST = (a, b) -> {
        int bySecond = Long.compare(b.created, a.created);
        if (bySecond != 0 || a.exact == null || b.exact == null) {
            return bySecond;
        }
        return b.exact.compareTo(a.exact);
    };

    static ListRow of(ObjectNode json) {
        return new ListRow(json.path("Created").asLong(), null, null, null, json);
    }

    static ListRow of(ContainerEntry e, NodeStatus node) {
        return new ListRow(e.createdSecond(), e.created(), e, node, null);
    }
}
