package dev.shoal.manager.state;

import java.util.ArrayList;
import java.util.List;

/** Reads an applied entry's key changes as typed {@link StateEvent}s, by the key prefix of each record table. */
final class StateEvents {
    private StateEvents() {
    }

    static List<StateEvent> of(long index, List<KvStateMachine.Change> changes) {
        List<StateEvent> events = new ArrayList<>(changes.size());
        for (KvStateMachine.Change c : changes) {
            StateEvent e = of(index, c);
            if (e != null) {
                events.add(e);
            }
        }
        return events;
    }

    private static StateEvent.Change change(KvStateMachine.Change c) {
        return c.before() == null ? StateEvent.Change.ADDED
                : c.after() == null ? StateEvent.Change.REMOVED : StateEvent.Change.UPDATED;
    }

    private static <T> T read(String json, Class<T> type) {
        return json == null ? null : ClusterStore.fromJson(json, type);
    }

    private static StateEvent of(long index, KvStateMachine.Change c) {
        String key = c.key();
        if (key.startsWith(ContainerRecord.PREFIX)) {
            return new StateEvent.ContainerChanged(index, change(c), read(c.before(), ContainerRecord.class),
                    read(c.after(), ContainerRecord.class));
        }
        if (key.startsWith(NodeRecord.PREFIX)) {
            return new StateEvent.NodeChanged(index, change(c), read(c.before(), NodeRecord.class),
                    read(c.after(), NodeRecord.class));
        }
        if (key.startsWith(NetworkRecord.PREFIX)) {
            return new StateEvent.NetworkChanged(index, change(c), read(c.before(), NetworkRecord.class),
                    read(c.after(), NetworkRecord.class));
        }
        if (key.startsWith(VOLUME_PREFIX)) {
            return new StateEvent.VolumeChanged(index, change(c), key.substring(VOLUME_PREFIX.length()), c.before(),
                    c.after());
        }
        if (key.startsWith(NodeState.PREFIX) && c.after() != null) {
            NodeState before = read(c.before(), NodeState.class);
            NodeState after = read(c.after(), NodeState.class);
            if (before != null && before.up() == after.up()) {
                return null; // the reason or time changed, not the state
            }
            StateEvent.Transition t = !after.up() ? StateEvent.Transition.DOWN
                    : before == null ? StateEvent.Transition.UP : StateEvent.Transition.RETURNED;
            return new StateEvent.NodeTransition(index, after.nodeId(), t, after);
        }
        return null;
    }

    private static final String VOLUME_PREFIX = StateEvent.VolumeChanged.KEY_PREFIX;
}
