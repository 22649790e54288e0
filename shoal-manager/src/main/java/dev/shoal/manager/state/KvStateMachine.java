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

    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    private final ConcurrentSkipListMap<String, String> data = new ConcurrentSkipListMap<>();
    private final Consumer<Txn> onApplied;
    private final java.util.function.Function<Txn, String> validator;

    /**
     * @param onApplied told of each applied transaction (its exceptions are caught: a listener never stops the log)
     * @param validator why a transaction may not enter the log (null when it may): checked on the leader before it
     *                  is appended, and again when applied (an entry written before a rule existed is skipped)
     */
    KvStateMachine(Consumer<Txn> onApplied, java.util.function.Function<Txn, String> validator) {
        this.onApplied = onApplied;
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

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        storage.init(raftStorage);
        loadLatestSnapshot();
    }

    @Override
    public void reinitialize() throws IOException {
        loadLatestSnapshot();
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
        try {
            txn = Txn.parse(entry.getStateMachineLogEntry().getLogData().toByteArray());
            String refusal = validator.apply(txn);
            result = refusal != null ? "error:refused: " + refusal : apply(txn);
        } catch (RuntimeException | IOException e) {
            result = "error:" + e.getMessage();
        }
        updateLastAppliedTermIndex(entry.getTerm(), entry.getIndex());
        if (txn != null && result.equals("ok")) {
            try {
                onApplied.accept(txn);
            } catch (RuntimeException e) {
                // the state is applied; a view that cannot follow must not stop the log (nor its replay at start)
                LOG.warn("a state listener failed on entry {}: {}", entry.getIndex(), e.toString());
            }
        }
        return CompletableFuture.completedFuture(Message.valueOf(result));
    }

    /** Checks every precondition first, then applies every write: all or nothing. */
    private String apply(Txn txn) {
        for (Txn.Op op : txn.ops()) {
            if (op.kind() == Txn.Kind.REQUIRE_ABSENT && data.containsKey(op.key())) {
                return "conflict:" + op.key();
            }
            if (op.kind() == Txn.Kind.REQUIRE_VALUE && !op.value().equals(data.get(op.key()))) {
                return "conflict:" + op.key();
            }
        }
        for (Txn.Op op : txn.ops()) {
            switch (op.kind()) {
                case PUT -> data.put(op.key(), op.value());
                case DELETE -> data.remove(op.key());
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
        ObjectNode root = JSON.createObjectNode();
        for (Map.Entry<String, String> e : new TreeMap<>(data).entrySet()) {
            root.put(e.getKey(), e.getValue());
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
        root.fields().forEachRemaining(e -> data.put(e.getKey(), e.getValue().asText()));
        setLastAppliedTermIndex(snapshot.getTermIndex());
    }
}
