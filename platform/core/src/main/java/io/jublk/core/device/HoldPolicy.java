package io.jublk.core.device;

import java.time.Duration;

/**
 * What a device does while it has no working target (its bundle is being replaced, or crashed).
 *
 * @param failAfter     how long requests are held before they fail with EIO; {@link Duration#ZERO} holds
 *                      them until a target comes back, however long that takes
 * @param targetTimeout how long a target may sit on a request before the core calls it hung, detaches it
 *                      and hands its requests to a fresh instance
 */
public record HoldPolicy(Duration failAfter, Duration targetTimeout) {
    /** Hold until a target is back; a target that sits on a request for 60 s is replaced. */
    public static final HoldPolicy DEFAULT = new HoldPolicy(Duration.ZERO, Duration.ofSeconds(60));
    static final long MAX_SECONDS = 7 * 24 * 3600;

    public HoldPolicy {
        check("fail-after", failAfter, false);
        check("target timeout", targetTimeout, true);
    }

    private static void check(String what, Duration value, boolean positive) {
        if (value == null || value.isNegative() || (positive && value.isZero()) || value.toSeconds() > MAX_SECONDS) {
            throw new IllegalArgumentException(what + " must be " + (positive ? "1" : "0") + ".." + MAX_SECONDS
                    + " seconds: " + value);
        }
    }

    /** Whether held requests ever fail. */
    public boolean failsHeldRequests() {
        return !failAfter.isZero();
    }
}
