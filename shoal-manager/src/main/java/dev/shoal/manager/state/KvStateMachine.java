package dev.shoal.manager.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.util.MD5FileUtil;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Consumer;

/**
 * The replicated state: a sorted map from key to JSON text, changed only by {@link Txn}s applied in log order.
 * A transaction's preconditions are checked and its writes applied in one step, so it either applies whole or
 * not at all.
 */
final class KvStateMachine extends BaseStateMachine {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(KvStateMachine.class);

    private static final String FORMAT_FIELD = "format"; // no record key is a bare word
    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private final ConcurrentSkipListMap<String, String> data = new ConcurrentSkipListMap<>();
    /** Each key's version: the log index of the entry that last wrote it (a key never written has none). */
    private final java.util.concurrent.ConcurrentHashMap<String, Long> versions = new java.util.concurrent.ConcurrentHashMap<>();
    private final Consumer<Applied> onApplied;
    private final Consumer<Long> onInstalled;
    private final java.util.function.Function<Txn, String> validator;

    /** One key's change in an applied entry: its value before and after (null when absent). */
    record Change(String key, String before, String after) { }

    /** An applied transaction, its log index and what it changed, in the order it wrote them. */
    record Applied(Txn txn, long index, java.util.List<Change> changes) { }

    /**
     * @param onApplied   told of each applied transaction (its exceptions are caught: a listener never stops the log)
     * @param onInstalled told, with its last index, when a snapshot replaced the whole state (a follower catching up)
     * @param validator   why a transaction may not enter the log (null when it may): checked on the leader before it
     *                    is appended, and again when applied (an entry written before a rule existed is skipped)
     */
    KvStateMachine(Consumer<Applied> onApplied, Consumer<Long> onInstalled,
                   java.util.function.Function<Txn, String> validator) {
        this.onApplied = onApplied;
        this.onInstalled = onInstalled;
        this.validator = validator;
    }

    /** Refuses, before anything is appended to the log, a transaction that does not parse or holds a bad record. */
    @Override
    public TransactionContext startTransaction(org.apache.ratis.protocol.RaftClientRequest request) throws IOException {
        String refusal;
        try {
            refusal = validator.apply(Txn.parse(request.getMessage().getContent().toByteArray()));
        } catch (IOException | RuntimeException e) {
            refusal = "not a transaction: " + e.getMessage();
        }
        TransactionContext context = super.startTransaction(request);
        if (refusal != null) {
            // the server answers the client with this, and appends nothing
            context.setException(new IOException("refused: " + refusal));
        }
        return context;
    }

    NavigableMap<String, String> entries() {
        return data;
    }

    /** The key's version (0 when absent). */
    long version(String key) {
        return data.containsKey(key) ? versions.getOrDefault(key, 0L) : 0L;
    }

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        storage.init(raftStorage);
        loadLatestSnapshot();
    }

    @Override
    public void reinitialize() throws IOException {
        loadLatestSnapshot();
        TermIndex last = getLastAppliedTermIndex();
        try {
            onInstalled.accept(last == null ? 0L : last.getIndex());
        } catch (RuntimeException e) {
            LOG.warn("a state listener failed on a snapshot install: {}", e.toString());
        }
    }

    @Override
    public StateMachineStorage getStateMachineStorage() {
        return storage;
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        String result;
        Txn txn = null;
        java.util.List<Change> changes = new java.util.ArrayList<>();
        try {
            txn = Txn.parse(entry.getStateMachineLogEntry().getLogData().toByteArray());
            String refusal = validator.apply(txn);
            result = refusal != null ? "error:refused: " + refusal : apply(txn, entry.getIndex(), changes);
        } catch (RuntimeException | IOException e) {
            result = "error:" + e.getMessage();
        }
        updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
        if (txn != null && result.equals("ok")) {
            try {
                onApplied.accept(new Applied(txn, entry.getIndex(), changes));
            } catch (RuntimeException e) {
                // the state is applied; a view that cannot follow must not stop the log (nor its replay at start)
                LOG.warn("a state listener failed on entry {}: {}", entry.getIndex(), e.toString());
            }
        }
        return CompletableFuture.completedFuture(Message.valueOf(result));
    }

    /**
     * Checks every precondition first, then applies every write: all or nothing. Each written key's version becomes
     * {@code index}; {@code changes} gets each write's before and after.
     */
    private String apply(Txn txn, long index, java.util.List<Change> changes) {
        for (Txn.Op op : txn.ops()) {
            if (op.kind() == Txn.Kind.REQUIRE_ABSENT && data.containsKey(op.key())) {
                return "conflict:" + op.key();
            }
            if (op.kind() == Txn.Kind.REQUIRE_VALUE && !ClusterStore.sameRecord(op.key(), op.value(), data.get(op.key()))) {
                return "conflict:" + op.key();
            }
            if (op.kind() == Txn.Kind.REQUIRE_VERSION && version(op.key()) != Long.parseLong(op.value())) {
                return "conflict:" + op.key();
            }
        }
        for (Txn.Op op : txn.ops()) {
            switch (op.kind()) {
                case PUT -> {
                    changes.add(new Change(op.key(), data.put(op.key(), op.value()), op.value()));
                    versions.put(op.key(), index);
                }
                case DELETE -> {
                    String before = data.remove(op.key());
                    versions.remove(op.key());
                    if (before != null) {
                        changes.add(new Change(op.key(), before, null));
                    }
                }
                default -> { }
            }
        }
        return "ok";
    }

    @Override
    public long takeSnapshot() throws IOException {
        TermIndex last = getLastAppliedTermIndex();
        if (last == null || last.getIndex() < 0) {
            return -1;
        }
        var file = storage.getSnapshotFile(last.getTerm(), last.getIndex());
        // format 2: each key's value and version; format 1 (a flat key → value object) still loads
        ObjectNode root = JSON.createObjectNode();
        root.put(FORMAT_FIELD, 2);
        ObjectNode entries = root.putObject("entries");
        for (Map.Entry<String, String> e : new TreeMap<>(data).entrySet()) {
            entries.putObject(e.getKey()).put("value", e.getValue()).put("version", versions.getOrDefault(e.getKey(), 0L));
        }
        var tmp = file.toPath().resolveSibling(file.getName() + ".tmp");
        Files.write(tmp, JSON.writeValueAsBytes(root));
        Files.move(tmp, file.toPath(), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        MD5FileUtil.computeAndSaveMd5ForFile(file);
        return last.getIndex();
    }

    private void loadLatestSnapshot() throws IOException {
        SingleFileSnapshotInfo snapshot = storage.getLatestSnapshot();
        if (snapshot == null) {
            return;
        }
        var file = snapshot.getFile().getPath();
        if (!Files.exists(file)) {
            return;
        }
        JsonNode root = JSON.readTree(file.toFile());
        data.clear();
        versions.clear();
        long index = snapshot.getTermIndex().getIndex();
        if (root.path(FORMAT_FIELD).asInt(1) == 2) {
            root.path("entries").fields().forEachRemaining(e -> {
                data.put(e.getKey(), e.getValue().path("value").asText());
                versions.put(e.getKey(), e.getValue().path("version").asLong(index));
            });
        } else {
            root.fields().forEachRemaining(e -> {
                data.put(e.getKey(), e.getValue().asText());
                versions.put(e.getKey(), index);
            });
        }
        setLastAppliedTermIndex(snapshot.getTermIndex());
    }
}
