package dev.shoal.cli.bench;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Times one read call of the API again and again on one connection (first call untimed: it warms the path), until
 * {@code maxSamples} or the time is up, with at least one timed call.
 */
final class ReadProbe {
    /** The timed calls and what the last one answered. */
    record Samples(long[] nanos, int status, int items, long bytes) {
        double p50Millis() {
            return Stats.millis(nanos, 50);
        }

        /** Items of the answer (a JSON array's elements) per second, at the median latency. */
        double itemsPerSecond() {
            return items / (Stats.percentile(Stats.sorted(nanos), 50) / 1e9);
        }
    }

    private ReadProbe() { }

    static Samples time(Path socket, String pathAndQuery, int maxSamples, long budgetNanos) throws IOException {
        try (ApiClient api = new ApiClient(socket)) {
            ApiClient.Reply last = api.get(pathAndQuery);
            long[] nanos = new long[maxSamples];
            int n = 0;
            long until = System.nanoTime() + budgetNanos;
            while (n < maxSamples && (n == 0 || System.nanoTime() < until)) {
                long t0 = System.nanoTime();
                last = api.get(pathAndQuery);
                nanos[n++] = System.nanoTime() - t0;
            }
            return new Samples(java.util.Arrays.copyOf(nanos, n), last.status(), arrayLength(last.body()),
                    last.body().length);
        }
    }

    /** The number of elements of a top-level JSON array (-1 if the body is not one). */
    static int arrayLength(byte[] json) throws IOException {
        try (JsonParser p = EngineFacts.JSON.getFactory().createParser(json)) {
            if (p.nextToken() != JsonToken.START_ARRAY) {
                return -1;
            }
            int n = 0;
            while (p.nextToken() != JsonToken.END_ARRAY) {
                p.skipChildren();
                n++;
            }
            return n;
        }
    }
}
