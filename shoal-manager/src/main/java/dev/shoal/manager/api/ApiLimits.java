package dev.shoal.manager.api;

import java.time.Duration;

/**
 * The bounds every API connection is held to.
 *
 * @param headerTimeout  a request's header block must arrive whole within this, once its first byte has
 * @param idleTimeout    a kept-alive connection with no request in progress is closed after this
 * @param bodyTimeout    a stored request body that stops arriving for this long ends its connection
 * @param maxConnections connections over this many are closed as they are accepted (per listener)
 */
public record ApiLimits(Duration headerTimeout, Duration idleTimeout, Duration bodyTimeout, int maxConnections) {
    /** 10 s for a header block, 2 min idle (longer than Go's 90 s client pools keep theirs), 60 s of a stalled body. */
    public static final ApiLimits DEFAULT = new ApiLimits(Duration.ofSeconds(10), Duration.ofMinutes(2),
            Duration.ofSeconds(60), 4096);

    public ApiLimits {
        if (headerTimeout.isNegative() || headerTimeout.isZero() || idleTimeout.isNegative() || idleTimeout.isZero()
                || bodyTimeout.isNegative() || bodyTimeout.isZero() || maxConnections < 1) {
            throw new IllegalArgumentException("API limits must be positive");
        }
    }
}
