package dev.shoal.cli.bench;

import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/** Heartbeats answered and refused or lost, and the latencies of the most recent ones answered. */
final class HeartbeatStats {
    private final int window;
    private final LongAdder ok = new LongAdder();
    private final LongAdder failed = new LongAdder();
    private final AtomicLongArray recent;
    private final AtomicInteger next = new AtomicInteger();
    private volatile String lastFailure;

    /** Keeps the latencies of the last {@code window} answered heartbeats. */
    HeartbeatStats(int window) {
        this.window = window;
        this.recent = new AtomicLongArray(window);
    }

    void answered(long nanos) {
        ok.increment();
        recent.set(Math.floorMod(next.getAndIncrement(), window), nanos);
    }

    void failed(String why) {
        failed.increment();
        lastFailure = why;
    }

    long ok() {
        return ok.sum();
    }

    long failed() {
        return failed.sum();
    }

    String lastFailure() {
        return lastFailure;
    }

    /** Percentile {@code p} of the recent answered heartbeats' latency, in milliseconds (NaN if none). */
    double recentMillis(double p) {
        int n = Math.min(next.get(), window);
        long[] copy = new long[n];
        for (int i = 0; i < n; i++) {
            copy[i] = recent.get(i);
        }
        Arrays.sort(copy);
        return Stats.percentile(copy, p) / 1e6;
    }
}
