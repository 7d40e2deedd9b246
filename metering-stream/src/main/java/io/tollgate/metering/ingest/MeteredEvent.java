package io.tollgate.metering.ingest;

import io.tollgate.schemas.avro.UsageEvent;

/**
 * A usage event accepted for counting, with what the aggregations need besides the event itself. Every figure
 * an aggregation adds comes from here, so the rules of reserve-then-settle live in one place.
 *
 * @param event      the event; for {@link Kind#ABANDONED} the REQUEST being settled. Its timestamp is the
 *                   event time after the time rule (a time too far ahead is replaced by the ingest time)
 * @param kind       what the event does to the sums
 * @param periodTime the instant whose day/month the event is attributed to: for a RESPONSE or a settlement, its
 *                   REQUEST's, so a call that straddles midnight settles the day it reserved on; the ingest time
 *                   when that period is no longer kept ({@link Note#REASSIGNED})
 * @param streamTime the input partition's event time so far (this event included), never ahead of the wall clock
 * @param notes      how the event's times were adjusted, counted in spend
 */
public record MeteredEvent(UsageEvent event, Kind kind, long periodTime, long streamTime, Notes notes)
        implements IngestResult {

    /** What an accepted event does to the sums. */
    public enum Kind {
        /** Opens a reservation: one request, the reserved tokens and cost, in flight. */
        REQUEST,
        /** Settles its open reservation: adds the correction (actual - reserved) and closes the reservation. */
        RESPONSE,
        /** Settles a reservation already settled as ABANDONED: adds the correction, leaves in-flight alone. */
        LATE_RESPONSE,
        /** A RESPONSE whose REQUEST was never seen: one request at the actual figures, never in flight. */
        ORPHAN_RESPONSE,
        /** A REQUEST whose RESPONSE did not come in time: closes the reservation, the reserved cost stays. */
        ABANDONED
    }

    /** Adjustments of the event's times, by the time rule. */
    public record Notes(boolean clamped, boolean reassigned) {
        public static final Notes NONE = new Notes(false, false);
    }

    public boolean isRequest() {
        return kind == Kind.REQUEST;
    }

    /** True for every kind that carries a provider's answer (model health counts these). */
    public boolean isResponse() {
        return kind == Kind.RESPONSE || kind == Kind.LATE_RESPONSE || kind == Kind.ORPHAN_RESPONSE;
    }

    /** Requests this event adds: one per REQUEST and per orphan RESPONSE. */
    public long requestDelta() {
        return kind == Kind.REQUEST || kind == Kind.ORPHAN_RESPONSE ? 1 : 0;
    }

    /** Tokens this event adds. */
    public long tokenDelta() {
        return delta(event.getReservedTokens(), event.getTotalTokens());
    }

    /** Cost this event adds. */
    public long costDelta() {
        return delta(event.getReservedCostMicros(), event.getCostMicros());
    }

    /** Prompt tokens this event adds. */
    public long promptDelta() {
        return delta(event.getReservedPromptTokens(), event.getPromptTokens());
    }

    /** Completion tokens this event adds. */
    public long completionDelta() {
        return delta(event.getReservedCompletionTokens(), event.getCompletionTokens());
    }

    /**
     * The reserved figure for a REQUEST, the correction (actual - reserved, possibly negative) for a RESPONSE that
     * settles a reservation, the actual figure for an orphan RESPONSE, nothing for a settlement (the reserved
     * figure stays). Plausibility bounds both figures far below a long, so the difference cannot overflow.
     */
    private long delta(long reserved, long actual) {
        return switch (kind) {
            case REQUEST -> reserved;
            case RESPONSE, LATE_RESPONSE -> actual - reserved;
            case ORPHAN_RESPONSE -> actual;
            case ABANDONED -> 0;
        };
    }

    /** Change of open reservations: a REQUEST opens its reservation; its RESPONSE or its settlement closes it. */
    public long inFlightDelta() {
        return switch (kind) {
            case REQUEST -> event.getReservedCostMicros();
            case RESPONSE, ABANDONED -> -event.getReservedCostMicros();
            case LATE_RESPONSE, ORPHAN_RESPONSE -> 0;
        };
    }

    public long abandonedCalls() {
        return kind == Kind.ABANDONED ? 1 : 0;
    }

    public long abandonedMicros() {
        return kind == Kind.ABANDONED ? event.getReservedCostMicros() : 0;
    }

    public long orphanResponses() {
        return kind == Kind.ORPHAN_RESPONSE ? 1 : 0;
    }

    public long lateReassigned() {
        return notes.reassigned() ? 1 : 0;
    }

    public long clampedEvents() {
        return notes.clamped() ? 1 : 0;
    }
}
