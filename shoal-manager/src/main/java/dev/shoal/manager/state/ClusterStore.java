package dev.shoal.manager.state;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.TimeDuration;

import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Cluster state replicated with Apache Ratis. Every change is a {@link Txn} committed through the Raft log
 * (durable before {@link #commit} returns); reads come from this manager's applied copy. One manager is a
 * group of one.
 */
public final class ClusterStore implements Closeable {
    public static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    private static final UUID GROUP = UUID.nameUUIDFromBytes("shoal-cluster".getBytes(StandardCharsets.UTF_8));

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ClusterStore.class);
    private static final int MAX_KEY = 1024;
    private static final int MAX_VALUE = 4 << 20;
    /** The record each key prefix holds: a value that does not read as one is refused before it is committed. */
    private static final Map<String, Class<?>> RECORDS = Map.of(
            NodeRecord.PREFIX, NodeRecord.class,
            ContainerRecord.PREFIX, ContainerRecord.class,
            NetworkRecord.PREFIX, NetworkRecord.class,
            NodeState.PREFIX, NodeState.class,
            ContainerObserved.PREFIX, ContainerObserved.class);

    /**
     * Whether the stored value of {@code key} is the record {@code expected} (a {@code requireValue} precondition):
     * the same text, or the same record once the stored text is read as its table's type and written again — so a
     * record written by an older version (without a field added since) still matches what a reader made of it.
     */
    static boolean sameRecord(String key, String expected, String stored) {
        if (stored == null || expected.equals(stored)) {
            return stored != null;
        }
        for (Map.Entry<String, Class<?>> t : RECORDS.entrySet()) {
            if (key.startsWith(t.getKey())) {
                try {
                    return expected.equals(toJson(fromJson(stored, t.getValue())));
                } catch (RuntimeException unreadable) {
                    return false;
                }
            }
        }
        return false;
    }

    private final RaftServer server;
    private final RaftClient client;
    private final KvStateMachine machine;
    private final List<Consumer<StateEvent>> eventListeners = new CopyOnWriteArrayList<>();

    private ClusterStore(RaftServer server, RaftClient client, KvStateMachine machine) {
        this.server = server;
        this.client = client;
        this.machine = machine;
    }

    /** Starts (or recovers) a single-peer group whose log and snapshots live under {@code dataDir/raft}. */
    public static ClusterStore open(Path dataDir, String bindHost, int port) throws IOException {
        Path raftDir = dataDir.resolve("raft");
        Files.createDirectories(raftDir);
        boolean fresh;
        try (var entries = Files.list(raftDir)) {
            fresh = entries.findAny().isEmpty();
        }
        RaftPeer peer = RaftPeer.newBuilder().setId("m1").setAddress(bindHost + ":" + port).build();
        RaftGroup group = RaftGroup.valueOf(RaftGroupId.valueOf(GROUP), peer);
        RaftProperties props = new RaftProperties();
        RaftServerConfigKeys.setStorageDir(props, List.of(raftDir.toFile()));
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(props, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(props, 20_000L);
        // applied entries stay cached for followers catching up: by default up to 6 closed segments (some 48,000
        // entries, 100 MB of heap at 3,400 nodes); two and 32 MB are enough, an older entry is read from disk
        RaftServerConfigKeys.Log.setSegmentCacheNumMax(props, 2);
        RaftServerConfigKeys.Log.setSegmentCacheSizeMax(props, org.apache.ratis.util.SizeInBytes.valueOf("32MB"));
        RaftServerConfigKeys.Rpc.setTimeoutMin(props, TimeDuration.valueOf(300, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(props, TimeDuration.valueOf(600, TimeUnit.MILLISECONDS));
        GrpcConfigKeys.Server.setHost(props, bindHost);
        GrpcConfigKeys.Server.setPort(props, port);
        ClusterStore[] self = new ClusterStore[1];
        KvStateMachine machine = new KvStateMachine(applied -> {
            if (self[0] != null) {
                self[0].tell(applied);
            }
        }, index -> {
            if (self[0] != null) {
                self[0].publish(List.of(new StateEvent.SnapshotInstalled(index)));
            }
        }, ClusterStore::refusal);
        RaftServer server = RaftServer.newBuilder()
                .setServerId(RaftPeerId.valueOf("m1"))
                .setGroup(group)
                .setProperties(props)
                .setStateMachine(machine)
                .setOption(fresh ? RaftStorage.StartupOption.FORMAT : RaftStorage.StartupOption.RECOVER)
                .build();
        server.start();
        RaftClient client = RaftClient.newBuilder().setProperties(props).setRaftGroup(group).build();
        self[0] = new ClusterStore(server, client, machine);
        self[0].awaitLeader();
        return self[0];
    }

    private void awaitLeader() throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            try {
                if (server.getDivision(server.getGroupIds().iterator().next()).getInfo().isLeaderReady()) {
                    return;
                }
            } catch (IOException | RuntimeException e) {
                // not ready yet
            }
            try {
                Thread.sleep(20); // bounded poll for Raft leadership
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for the Raft leader", e);
            }
        }
        throw new IOException("the Raft group elected no leader within 30 s");
    }

    private void tell(KvStateMachine.Applied applied) {
        if (!eventListeners.isEmpty()) {
            publish(StateEvents.of(applied.index(), applied.changes()));
        }
    }

    private void publish(List<StateEvent> events) {
        for (Consumer<StateEvent> l : eventListeners) {
            for (StateEvent event : events) {
                try {
                    l.accept(event);
                } catch (RuntimeException e) {
                    LOG.warn("state listener {} failed on {}: {}", l, event.getClass().getSimpleName(), e.toString());
                }
            }
        }
    }

    /** Why {@code txn} may not be committed (null when it may): bad keys, oversized values, records that do not read. */
    static String refusal(Txn txn) {
        if (txn.ops().isEmpty()) {
            return "an empty transaction";
        }
        for (Txn.Op op : txn.ops()) {
            if (op.kind() == null || op.key() == null || op.key().isEmpty() || op.key().length() > MAX_KEY) {
                return "an operation without a kind or a key of 1 to " + MAX_KEY + " characters";
            }
            boolean needsValue = op.kind() == Txn.Kind.PUT || op.kind() == Txn.Kind.REQUIRE_VALUE
                    || op.kind() == Txn.Kind.REQUIRE_VERSION;
            if (needsValue && (op.value() == null || op.value().length() > MAX_VALUE)) {
                return "key " + op.key() + " without a value of at most " + MAX_VALUE + " characters";
            }
            if (op.kind() == Txn.Kind.REQUIRE_VERSION && !op.value().matches("\\d{1,19}")) {
                return "key " + op.key() + ": a version is a log index, not \"" + op.value() + "\"";
            }
            if (op.kind() == Txn.Kind.PUT) {
                for (Map.Entry<String, Class<?>> r : RECORDS.entrySet()) {
                    if (op.key().startsWith(r.getKey())) {
                        try {
                            Object value = JSON.readValue(op.value(), r.getValue());
                            if (value == null) {
                                return "key " + op.key() + ": null is no " + r.getValue().getSimpleName();
                            }
                        } catch (IOException | RuntimeException e) {
                            return "key " + op.key() + " holds no " + r.getValue().getSimpleName() + ": "
                                    + e.getMessage().lines().findFirst().orElse("");
                        }
                    }
                }
            }
        }
        return null;
    }

    /** Commits a transaction; returns empty on success, or the key whose precondition failed. */
    public Optional<String> commit(Txn txn) {
        String refusal = refusal(txn);
        if (refusal != null) {
            throw new IllegalArgumentException("state commit refused: " + refusal);
        }
        try {
            RaftClientReply reply = client.io().send(Message.valueOf(ByteString.copyFrom(txn.toBytes())));
            if (!reply.isSuccess()) {
                throw new IllegalStateException("state commit failed: " + reply.getException());
            }
            String result = reply.getMessage().getContent().toStringUtf8();
            if (result.equals("ok")) {
                return Optional.empty();
            }
            if (result.startsWith("conflict:")) {
                return Optional.of(result.substring("conflict:".length()));
            }
            throw new IllegalStateException("state commit failed: " + result);
        } catch (IOException e) {
            throw new UncheckedIOException("state commit failed: " + e.getMessage(), e);
        }
    }

    public Optional<String> get(String key) {
        return Optional.ofNullable(machine.entries().get(key));
    }

    /** All entries whose key starts with {@code prefix}, in key order. */
    public List<Map.Entry<String, String>> scan(String prefix) {
        return new ArrayList<>(machine.entries().subMap(prefix, prefix + Character.MAX_VALUE).entrySet());
    }

    public <T> Optional<T> read(String key, Class<T> type) {
        return get(key).map(json -> fromJson(json, type));
    }

    public <T> List<T> readAll(String prefix, Class<T> type) {
        return scan(prefix).stream().map(e -> fromJson(e.getValue(), type)).toList();
    }

    /**
     * Called with each typed change, on the state machine's thread, in log order, before the commit that made it
     * returns to its caller (so a caller's own write is in every view when {@link #commit} returns).
     */
    public void onEvent(Consumer<StateEvent> listener) {
        eventListeners.add(listener);
    }

    /** The key's version: the log index that last wrote it, 0 when absent (see {@link Txn.Builder#requireVersion}). */
    public long version(String key) {
        return machine.version(key);
    }

    /** A record with the version it was read at. */
    public record Versioned<T>(T value, long version) { }

    public <T> Optional<Versioned<T>> readVersioned(String key, Class<T> type) {
        // value and version are read under the machine's lock-free maps: retry until both belong to one write
        while (true) {
            long before = machine.version(key);
            String json = machine.entries().get(key);
            if (json == null) {
                return Optional.empty();
            }
            if (machine.version(key) == before) {
                return Optional.of(new Versioned<>(fromJson(json, type), before));
            }
        }
    }

    /** Asks the Raft server to take a snapshot now (tests; the server also takes one every 20,000 entries). */
    void takeSnapshot() throws IOException {
        RaftClientReply reply = client.getSnapshotManagementApi().create(true, 30_000);
        if (!reply.isSuccess()) {
            throw new IOException("snapshot not taken: " + reply.getException());
        }
    }

    /** Replaces the state from the latest snapshot, as a follower does when it installs one (tests). */
    void reinstallLatestSnapshot() throws IOException {
        machine.reinitialize();
    }

    /** A value written as JSON bytes (a request body for an engine). */
    public static byte[] jsonBytes(Object value) {
        try {
            return JSON.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String toJson(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static <T> T fromJson(String json, Class<T> type) {
        try {
            return JSON.readValue(json, type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        client.close();
        server.close();
    }
}
