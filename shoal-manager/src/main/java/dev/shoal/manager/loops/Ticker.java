package dev.shoal.manager.loops;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** A loop's one daemon thread, running its tick at a fixed delay (and, between ticks, work it hands over). */
public final class Ticker implements AutoCloseable {
    private final ScheduledExecutorService timer;

    private Ticker(String name) {
        this.timer = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name(name).factory());
    }

    /** Runs {@code tick} after {@code first}, then {@code every} after each run ends, until {@link #close}. */
    public static Ticker start(String name, Duration first, Duration every, Runnable tick) {
        Ticker t = new Ticker(name);
        t.timer.scheduleWithFixedDelay(tick, first.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
        return t;
    }

    /** Runs {@code work} on the loop's thread, between ticks. */
    public void execute(Runnable work) {
        timer.execute(work);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
