package dev.shoal.manager.views;

import java.time.Duration;

/**
 * A duration in the words dockerd uses in a container's Status ("Up 5 minutes", "Exited (0) 2 hours ago"): the
 * go-units HumanDuration steps, from "Less than a second" to "N years".
 */
public final class HumanDuration {
    private static final long HOUR_NANOS = 3_600_000_000_000L;

    private HumanDuration() {
    }

    public static String of(Duration d) {
        long nanos = d.toNanos();
        long seconds = nanos / 1_000_000_000L;
        if (seconds < 1) {
            return "Less than a second";
        }
        if (seconds == 1) {
            return "1 second";
        }
        if (seconds < 60) {
            return seconds + " seconds";
        }
        long minutes = seconds / 60;
        if (minutes == 1) {
            return "About a minute";
        }
        if (minutes < 60) {
            return minutes + " minutes";
        }
        // whole hours rounded half up, as Go's Duration.Round(time.Hour)
        long hours = (nanos + HOUR_NANOS / 2) / HOUR_NANOS;
        if (hours == 1) {
            return "About an hour";
        }
        if (hours < 48) {
            return hours + " hours";
        }
        if (hours < 24 * 7 * 2) {
            return hours / 24 + " days";
        }
        if (hours < 24 * 30 * 2) {
            return hours / 24 / 7 + " weeks";
        }
        if (hours < 24 * 365 * 2) {
            return hours / 24 / 30 + " months";
        }
        return nanos / HOUR_NANOS / 24 / 365 + " years";
    }
}
