package io.tollgate.gateway.admission;

import io.tollgate.policy.scope.Keys;
import io.tollgate.schemas.avro.QuotaStatus;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The gateway's in-memory view of {@code tollgate.quota-status.v1}: the latest {@link QuotaSnapshot}
 * per {@code <apiKeyId>|<model>} and {@code <apiKeyId>|*}. Fed by {@link QuotaViewConsumer} (or
 * directly in tests through {@link #apply}); read by {@link QuotaAdmission} on every call, lock-free.
 *
 * <p>Staleness is {@code now - the newest updatedAt applied}: how old the freshest thing the view
 * knows is. A quiet metering stream that emits nothing makes the view look stale too.
 */
public final class QuotaView {

    // key id -> model -> snapshot: looked up without building the record key on every call
    private final ConcurrentHashMap<String, ConcurrentHashMap<String, QuotaSnapshot>> snapshots =
            new ConcurrentHashMap<>();
    private final AtomicLong lastUpdatedAt = new AtomicLong(Long.MIN_VALUE);
    // key id -> model -> when the view counted which usage offset: for the share rule of several gateways
    private final ConcurrentHashMap<String, ConcurrentHashMap<String, CountedOffsets>> counted =
            new ConcurrentHashMap<>();

    /**
     * Applies one record of the topic. A null value (tombstone) removes the key. Throws when the
     * record key does not name the record's own key and model, so a mis-keyed record is never
     * consulted for the wrong key.
     */
    public void apply(String recordKey, QuotaStatus value) {
        apply(recordKey, value, System.currentTimeMillis());
    }

    /** {@link #apply(String, QuotaStatus)}, applied at {@code appliedAtMillis} (tests pass their clock). */
    void apply(String recordKey, QuotaStatus value, long appliedAtMillis) {
        if (recordKey == null) {
            throw new IllegalArgumentException("quota status record without a key; expected '<apiKeyId>|<model>'");
        }
        if (value == null) {
            int bar = recordKey.lastIndexOf('|');
            if (bar > 0) {
                Map<String, QuotaSnapshot> models = snapshots.get(recordKey.substring(0, bar));
                if (models != null) {
                    models.remove(recordKey.substring(bar + 1));
                }
            }
            return;
        }
        String expected = Keys.quota(value.getApiKeyId().toString(), value.getModel().toString());
        if (!expected.equals(recordKey)) {
            throw new IllegalArgumentException("quota status key '" + recordKey + "' does not match its value's '"
                    + expected + "'");
        }
        QuotaSnapshot snapshot = QuotaSnapshot.of(value);
        // a compacted topic replays in offset order; an older snapshot arriving later is ignored
        snapshots.computeIfAbsent(snapshot.apiKeyId(), k -> new ConcurrentHashMap<>())
                .merge(snapshot.model(), snapshot, (old, neu) -> neu.updatedAt() >= old.updatedAt() ? neu : old);
        lastUpdatedAt.accumulateAndGet(snapshot.updatedAt(), Math::max);
        if (snapshot.usageOffset() >= 0) {
            counted.computeIfAbsent(snapshot.apiKeyId(), k -> new ConcurrentHashMap<>())
                    .computeIfAbsent(snapshot.model(), m -> new CountedOffsets())
                    .applied(appliedAtMillis, snapshot.usageOffset());
        }
    }

    /**
     * The usage offset this view had counted for {@code apiKeyId} and {@code model} {@code skewMillis} ago:
     * what every gateway whose view lags this one by less than that has counted too. -1 when unknown.
     */
    long settledOffset(String apiKeyId, String model, long nowMillis, long skewMillis) {
        Map<String, CountedOffsets> models = counted.get(apiKeyId);
        CountedOffsets history = models == null ? null : models.get(model);
        return history == null ? -1 : history.settled(nowMillis, skewMillis);
    }

    /** The snapshot of {@code apiKeyId} for {@code model} ({@link Keys#ALL_MODELS} for the total), or null. */
    public QuotaSnapshot get(String apiKeyId, String model) {
        Map<String, QuotaSnapshot> models = snapshots.get(apiKeyId);
        return models == null ? null : models.get(model);
    }

    /** Every snapshot of {@code apiKeyId} by model ({@link Keys#ALL_MODELS} included); empty when the view has none. */
    public Map<String, QuotaSnapshot> snapshotsOf(String apiKeyId) {
        Map<String, QuotaSnapshot> models = snapshots.get(apiKeyId);
        return models == null ? Map.of() : Map.copyOf(models);
    }

    /** Milliseconds since the newest applied {@code updatedAt}; {@link Long#MAX_VALUE} before the first record. */
    public long stalenessMillis(long nowMillis) {
        long last = lastUpdatedAt.get();
        return last == Long.MIN_VALUE ? Long.MAX_VALUE : Math.max(0, nowMillis - last);
    }

    public int size() {
        return snapshots.values().stream().mapToInt(Map::size).sum();
    }
}
