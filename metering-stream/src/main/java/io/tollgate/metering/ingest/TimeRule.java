package io.tollgate.metering.ingest;

import java.time.Duration;

/**
 * The one rule for event time in every metering topology. An event may be dated up to {@code maxFutureSkew}
 * ahead of the stream thread's wall clock at ingest (gateways' clocks drift a little); an event dated further
 * ahead is counted at its ingest time instead ({@link #judge}, flagged as clamped). Every record metering writes
 * is stamped {@link #notAhead} of the wall clock, so no output can be refused by a broker for a timestamp in the
 * future, and no clock or high-water mark metering keeps moves past the wall clock.
 */
public final class TimeRule {

    /** An event's time after the rule: its own, or its ingest time when it was too far ahead. */
    public record Judged(long eventTime, boolean clamped) {
    }

    private TimeRule() {
    }

    public static Judged judge(long eventTime, long now, Duration maxFutureSkew) {
        if (eventTime > now && eventTime - now > maxFutureSkew.toMillis()) {
            return new Judged(now, true);
        }
        return new Judged(eventTime, false);
    }

    /** The timestamp of a record derived from {@code eventTime}: never after {@code now}. */
    public static long notAhead(long eventTime, long now) {
        return Math.min(eventTime, now);
    }
}
