package io.tollgate.metering.policy;

import io.tollgate.policy.records.PolicySource;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.Policy;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * The global policy store ({@code PolicyTopology}, raw bytes of the records {@code PolicyRecordCheck} applied) as a
 * {@link PolicySource}, so metering asks the policy module's rules ({@code Calendars}, {@code LimitResolver}) exactly
 * as the other services do. A record is decoded once and reused while its stored bytes stay the same. One instance
 * per processor (not thread-safe).
 */
public final class StorePolicies implements PolicySource {

    private record Decoded(byte[] raw, Policy policy) {
    }

    private final ReadOnlyKeyValueStore<String, byte[]> store;
    private final Deserializer<Policy> deserializer;
    private final Map<String, Decoded> decoded = new HashMap<>();

    public StorePolicies(ReadOnlyKeyValueStore<String, byte[]> store, Deserializer<Policy> deserializer) {
        this.store = store;
        this.deserializer = deserializer;
    }

    @Override
    public Policy get(String recordKey) {
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
