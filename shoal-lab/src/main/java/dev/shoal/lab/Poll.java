package dev.shoal.lab;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Bounded polling: the only kind of waiting the lab does. */
final class Poll {
    private Poll() {}

    /** Polls {@code condition} every {@code every} until true (returns true) or {@code max} passes (false). */
    static boolean until(Duration max, Duration every, BooleanSupplier condition) {
        long deadline = System.nanoTime() + max.toNanos();
        while (true) {
            if (condition.getAsBoolean()) return true;
            if (System.nanoTime() - deadline >= 0) return false;
            try {
                Thread.sleep(every.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }
}
