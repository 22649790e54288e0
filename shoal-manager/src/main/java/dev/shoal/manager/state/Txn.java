package dev.shoal.manager.state;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** One atomic change to the cluster state: preconditions, then writes. Build with {@link #builder()}. */
public record Txn(List<Op> ops) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public enum Kind { PUT, DELETE, REQUIRE_ABSENT, REQUIRE_VALUE, REQUIRE_VERSION }

    public record Op(Kind kind, String key, String value) { }

    public Txn {
        ops = List.copyOf(ops);
    }

    public static Builder builder() {
        return new Builder();
    }

    byte[] toBytes() {
        try {
            return JSON.writeValueAsBytes(this);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static Txn parse(byte[] bytes) throws IOException {
        return JSON.readValue(bytes, Txn.class);
    }

    public static final class Builder {
        private final List<Op> ops = new ArrayList<>();

        public Builder put(String key, String json) {
            ops.add(new Op(Kind.PUT, key, json));
            return this;
        }

        public Builder delete(String key) {
            ops.add(new Op(Kind.DELETE, key, null));
            return this;
        }

        /** The transaction fails with a conflict on {@code key} when the key exists. */
        public Builder requireAbsent(String key) {
            ops.add(new Op(Kind.REQUIRE_ABSENT, key, null));
            return this;
        }

        /** The transaction fails with a conflict on {@code key} unless it holds exactly {@code json}. */
        public Builder requireValue(String key, String json) {
            ops.add(new Op(Kind.REQUIRE_VALUE, key, json));
            return this;
        }

        /**
         * The transaction fails with a conflict on {@code key} unless its version (the log index that last wrote it;
         * 0 for an absent key) is {@code version}: compare-and-set on a record read with its version.
         */
        public Builder requireVersion(String key, long version) {
            ops.add(new Op(Kind.REQUIRE_VERSION, key, Long.toString(version)));
            return this;
        }

        public Txn build() {
            return new Txn(ops);
        }
    }
}
