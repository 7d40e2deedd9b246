package io.tollgate.metering.policy;

import io.tollgate.policy.records.PolicySource;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.Policy;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * The global policy store ({@code PolicyTopology}, raw bytes of the records {@code PolicyRecordCheck} applied) as a
 * {@link PolicySource}, so metering asks the policy module's rules ({@code Calendars}, {@code LimitResolver}) exactly
 * as the other services do. A record is decoded once and reused while its stored bytes stay the same. Given the
 * count of records the store's updater applied ({@code PolicyStoreUpdater}), every answer, a missing record
 * included, is kept until that count changes: a processor then asks the store nothing per event while policies stay
 * as they are. One instance per processor (not thread-safe).
 */
public final class StorePolicies implements PolicySource {

    /** Answers kept per count: the records one processor reads (org, tenants, budgets of the scopes it sees). */
    private static final int KEPT_ANSWERS = 4_096;
    private static final Object MISSING = new Object();

    private record Decoded(byte[] raw, Policy policy) {
    }

    private final ReadOnlyKeyValueStore<String, byte[]> store;
    private final Deserializer<Policy> deserializer;
    private final LongSupplier changes;
    private final Map<String, Decoded> decoded = new HashMap<>();
    /** Record key -> its policy, or {@link #MISSING}, as read while the count was {@link #answered}. */
    private final Map<String, Object> answers = new HashMap<>();
    private long answered = -1;

    /** Reads the store on every lookup. */
    public StorePolicies(ReadOnlyKeyValueStore<String, byte[]> store, Deserializer<Policy> deserializer) {
        this(store, deserializer, () -> -1);
    }

    /**
     * Keeps answers while {@code changes} stays the same; the store's updater must count each record after the store
     * has it, and the count must never be negative.
     */
    public StorePolicies(ReadOnlyKeyValueStore<String, byte[]> store, Deserializer<Policy> deserializer,
                         LongSupplier changes) {
        this.store = store;
        this.deserializer = deserializer;
        this.changes = changes;
    }

    @Override
    public long version() {
        return changes.getAsLong();
    }

    @Override
    public Policy get(String recordKey) {
        // the count first: a record applied while the store is read changes it, so that answer is not kept long
        long count = changes.getAsLong();
        if (count >= 0) {
            if (count != answered || answers.size() >= KEPT_ANSWERS) {
                answers.clear();
                answered = count;
            }
            Object known = answers.get(recordKey);
            if (known != null) {
                return known == MISSING ? null : (Policy) known;
            }
        }
        Policy policy = read(recordKey);
        if (count >= 0) {
            answers.put(recordKey, policy == null ? MISSING : policy);
        }
        return policy;
    }

    private Policy read(String recordKey) {
        byte[] raw = store == null ? null : store.get(recordKey);
        if (raw == null) {
            decoded.remove(recordKey);
            return null;
        }
        Decoded d = decoded.get(recordKey);
        if (d == null || !Arrays.equals(d.raw(), raw)) {
            // the global store holds only records the policy check accepted, so they decode
            d = new Decoded(raw, deserializer.deserialize(Topics.POLICIES, raw));
            decoded.put(recordKey, d);
        }
        return d.policy();
    }
}
