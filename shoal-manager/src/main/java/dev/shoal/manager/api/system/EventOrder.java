package dev.shoal.manager.api.system;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * Time order for events gathered from several nodes: each node's events come in its own order; the merge
 * interleaves them by {@code timeNano} (else {@code time}), a node's own order kept for equal times.
 * Also reads and writes the {@code since}/{@code until} values engines take ("seconds[.fraction]").
 */
public final class EventOrder {
    private EventOrder() {}

    /** One event as it will be written, with the instant it is ordered by. */
    public record Event(long nanos, byte[] line) {}

    /** The event's instant in nanoseconds since the epoch: {@code timeNano}, else {@code time} seconds, else 0. */
    public static long nanosOf(JsonNode event) {
        long nanos = event.path("timeNano").asLong(0);
        if (nanos > 0) {
            return nanos;
        }
        return Math.multiplyExact(event.path("time").asLong(0), 1_000_000_000L);
    }

    /**
     * Merges per-node lists into one list in non-decreasing time. Each list is expected in its node's order;
     * a list that is not (a node's clock stepped back) is still merged into a non-decreasing whole.
     */
    public static List<Event> merge(List<List<Event>> perNode) {
        int total = 0;
        List<List<Event>> sorted = new ArrayList<>(perNode.size());
        for (List<Event> events : perNode) {
            total += events.size();
            List<Event> copy = new ArrayList<>(events);
            copy.sort((a, b) -> Long.compare(a.nanos(), b.nanos())); // stable: a node's order kept for ties
            sorted.add(copy);
        }
        List<Event> out = new ArrayList<>(total);
        int[] next = new int[sorted.size()];
        while (out.size() < total) {
            int pick = -1;
            for (int i = 0; i < sorted.size(); i++) {
                if (next[i] < sorted.get(i).size() && (pick < 0
                        || sorted.get(i).get(next[i]).nanos() < sorted.get(pick).get(next[pick]).nanos())) {
                    pick = i; // strictly earlier only: equal times go to the first node listed
                }
            }
            out.add(sorted.get(pick).get(next[pick]++));
        }
        return out;
    }

    /**
     * Reads an engine timestamp, "seconds" or "seconds.fraction" (the CLI sends "%d.%09d"), as nanoseconds.
     * Empty when absent or blank; {@link IllegalArgumentException} when malformed.
     */
    public static OptionalLong parseTimestamp(String value) {
        if (value == null || value.isBlank()) {
            return OptionalLong.empty();
        }
        String v = value.strip();
        int dot = v.indexOf('.');
        String secs = dot < 0 ? v : v.substring(0, dot);
        String frac = dot < 0 ? "" : v.substring(dot + 1);
        if (!secs.matches("\\d{1,12}") || !frac.matches("\\d{0,9}")) {
            throw new IllegalArgumentException("invalid timestamp \"" + value
                    + "\": expected seconds since the epoch, optionally with a fraction");
        }
        long nanos = frac.isEmpty() ? 0 : Long.parseLong((frac + "000000000").substring(0, 9));
        return OptionalLong.of(Long.parseLong(secs) * 1_000_000_000L + nanos);
    }

    /** Nanoseconds since the epoch as an engine timestamp, "seconds.nnnnnnnnn". */
    public static String formatTimestamp(long nanos) {
        return String.format(Locale.ROOT, "%d.%09d", Math.floorDiv(nanos, 1_000_000_000L),
                Math.floorMod(nanos, 1_000_000_000L));
    }
}
