package dev.shoal.cli.bench;

import java.util.Arrays;

/** Percentiles of sorted samples (nearest rank). */
final class Stats {
    private Stats() { }

    /** The nearest-rank percentile {@code p} (0–100) of {@code sorted}; NaN if empty. */
    static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    static long[] sorted(long[] values) {
        long[] copy = values.clone();
        Arrays.sort(copy);
        return copy;
    }

    /** Milliseconds of a nanosecond percentile. */
    static double millis(long[] nanos, double p) {
        return percentile(sorted(nanos), p) / 1e6;
    }
}
