package io.tollgate.metering.calls;

import io.tollgate.schemas.avro.UsageEvent;
import java.time.Duration;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * Keeps every call's attempts in {@code metering-calls}, a window store keyed {@code <apiKeyId>|<callId>} on the
 * usage partitioning. Each update is written as a new version at its ingest (wall-clock) time and the newest
 * version is the call, so the store's segments drop whole days of calls once they are older than the retention
 * without any scan.
 */
public final class CallLog {

    private final WindowStore<String, CallRecord> store;
    private final Duration retention;

    public CallLog(WindowStore<String, CallRecord> store, Duration retention) {
        this.store = store;
        this.retention = retention;
    }

    public static String key(String apiKeyId, String callId) {
        return apiKeyId + '|' + callId;
    }

    /** The REQUEST of an attempt: in flight at its reservation. */
    public void request(UsageEvent e, long now) {
        CallRecord call = current(e, now);
        CallRecord.Attempt known = call.attempt(e.getAttempt());
        if (known != null && known.answered()) {
            return; // its RESPONSE came first and was counted in full
        }
        put(call.with(CallRecord.Attempt.reserved(e, CallRecord.Status.ADMITTED)), now);
    }

    /** The RESPONSE of an attempt, whatever came before it: the actual figures count. */
    public void response(UsageEvent e, long now) {
        put(current(e, now).with(CallRecord.Attempt.answered(e)), now);
    }

    /** An attempt settled without its RESPONSE: counted at its reservation, no longer in flight. */
    public void abandoned(UsageEvent request, long now) {
        put(current(request, now).with(CallRecord.Attempt.reserved(request, CallRecord.Status.ABANDONED)), now);
    }

    private CallRecord current(UsageEvent e, long now) {
        CallRecord found = newest(store, key(e.getApiKeyId(), e.getCallId()), now, retention);
        return found != null ? found : new CallRecord(e.getCallId(), e.getApiKeyId(), java.util.List.of());
    }

    private void put(CallRecord call, long now) {
        store.put(key(call.apiKeyId(), call.callId()), call, now);
    }

    /** The newest version of a call within the retention, or null. */
    static CallRecord newest(WindowStore<String, CallRecord> store, String key, long now, Duration retention) {
        try (WindowStoreIterator<CallRecord> it = store.backwardFetch(key, now - retention.toMillis(), now)) {
            return it.hasNext() ? it.next().value : null;
        }
    }
}
