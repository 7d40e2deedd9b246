package io.tollgate.metering.calls;

import io.tollgate.schemas.avro.UsageEvent;
import java.util.List;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * Keeps every call's attempts in {@code metering-calls}, a window store keyed {@code <apiKeyId>|<callId>} on the
 * usage partitioning, by ingest (wall-clock) time, with duplicates retained: each event of a call writes one entry
 * (the attempt as that event leaves it, with the event's id), so metering pays one write per event; the entries are
 * folded into the call when it is asked for ({@link #fold}). The same entries answer whether an event was already
 * counted ({@link #seen}): a repeated event carries its call's key, so reading the few entries of that call replaces
 * a separate store of event ids written on every event. Whole segments are dropped once older than the retention,
 * without any scan.
 */
public final class CallLog {

    private final WindowStore<String, CallRecord> store;

    public CallLog(WindowStore<String, CallRecord> store) {
        this.store = store;
    }

    public static String key(String apiKeyId, String callId) {
        return apiKeyId + '|' + callId;
    }

    /**
     * Whether an event with this id was counted for the event's call at an ingest time in {@code [from, to]}: every
     * counted event writes an entry when it is ingested, so this is true exactly for an event already counted then.
     * A settlement's entry carries its REQUEST's id but is written later, so it is not read here: an event is
     * remembered from its own ingest time, not from its settlement's.
     */
    public boolean seen(UsageEvent e, long from, long to) {
        String eventId = e.getEventId();
        try (WindowStoreIterator<CallRecord> it = store.fetch(key(e.getApiKeyId(), e.getCallId()), from, to)) {
            while (it.hasNext()) {
                for (CallRecord.Attempt attempt : it.next().value.attempts()) {
                    if (attempt.status() != CallRecord.Status.ABANDONED && eventId.equals(attempt.eventId())) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** The REQUEST of an attempt: in flight at its reservation. */
    public void request(UsageEvent e, long now) {
        put(e, CallRecord.Attempt.reserved(e, CallRecord.Status.ADMITTED), now);
    }

    /** The RESPONSE of an attempt, whatever came before it: the actual figures count. */
    public void response(UsageEvent e, long now) {
        put(e, CallRecord.Attempt.answered(e), now);
    }

    /** An attempt settled without its RESPONSE: counted at its reservation, no longer in flight. */
    public void abandoned(UsageEvent request, long now) {
        put(request, CallRecord.Attempt.reserved(request, CallRecord.Status.ABANDONED), now);
    }

    private void put(UsageEvent e, CallRecord.Attempt attempt, long now) {
        store.put(key(e.getApiKeyId(), e.getCallId()), new CallRecord(e.getCallId(), e.getApiKeyId(), List.of(attempt)), now);
    }

    /**
     * The call from its entries in the order written: per attempt, an answer (SUCCESS, ERROR, CANCELLED) outranks a
     * settlement (ABANDONED), which outranks the reservation (ADMITTED), whatever order they came in; null when there
     * are none.
     */
    public static CallRecord fold(Iterable<CallRecord> entries) {
        CallRecord call = null;
        for (CallRecord entry : entries) {
            if (call == null) {
                call = new CallRecord(entry.callId(), entry.apiKeyId(), List.of());
            }
            for (CallRecord.Attempt attempt : entry.attempts()) {
                CallRecord.Attempt known = call.attempt(attempt.attempt());
                if (known == null || rank(attempt) >= rank(known)) {
                    call = call.with(attempt);
                }
            }
        }
        return call;
    }

    private static int rank(CallRecord.Attempt a) {
        return switch (a.status()) {
            case ADMITTED -> 0;
            case ABANDONED -> 1;
            case SUCCESS, ERROR, CANCELLED -> 2;
        };
    }
}
