package io.tollgate.policy.window;

/**
 * The one definition of "per minute" (rpm, tpm) for the gateway's admission, metering-stream's rates and
 * wait times, and the quota status that carries buckets between them.
 *
 * <p>Usage is counted in tumbling buckets of {@link #BUCKET_MILLIS}, each starting at a multiple of the
 * bucket width. At instant {@code now} the trailing minute holds every bucket that starts at or before
 * {@code now} and ends less than {@link #WINDOW_MILLIS} before it: a bucket starting at {@code s} counts
 * while {@code s <= now < s + bucket + window}. So every call counts for at least a full minute after it
 * was made (at most one bucket longer), and a limit of N per minute holds in every 60-second interval,
 * whichever second it starts at.
 */
public final class TrailingWindow {

    /** The window of per-minute limits. */
    public static final long WINDOW_MILLIS = 60_000;
    /** The width of one bucket. */
    public static final long BUCKET_MILLIS = 1_000;

    private TrailingWindow() {
    }

    /** Start of the bucket that holds {@code epochMillis}. */
    public static long bucketOf(long epochMillis) {
        return Math.floorDiv(epochMillis, BUCKET_MILLIS) * BUCKET_MILLIS;
    }

    /** True when the bucket starting at {@code bucketStart} counts in the trailing minute at {@code now}. */
    public static boolean counts(long bucketStart, long now) {
        return bucketStart <= now && now < ageOut(bucketStart);
    }

    /** The first instant at which the bucket starting at {@code bucketStart} no longer counts. */
    public static long ageOut(long bucketStart) {
        return bucketStart + BUCKET_MILLIS + WINDOW_MILLIS;
    }

    /** The oldest bucket start that still counts at {@code now}. */
    public static long oldestCounted(long now) {
        return bucketOf(now) - WINDOW_MILLIS;
    }
}
