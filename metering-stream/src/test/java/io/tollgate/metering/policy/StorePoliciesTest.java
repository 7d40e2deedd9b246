package io.tollgate.metering.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.Policy;
import io.tollgate.schemas.avro.TenantPolicy;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.junit.jupiter.api.Test;

class StorePoliciesTest {

    private final Topics topics = Topics.forRegistry("mock://store-policies-" + UUID.randomUUID());
    private final Serde<Policy> serde = topics.valueSerde(Policy.class);
    private final Map<String, byte[]> records = new HashMap<>();
    private final AtomicInteger reads = new AtomicInteger();
    private final AtomicLong changes = new AtomicLong();

    @Test
    void shouldReadTheStoreAgainOnlyWhenTheUpdaterHasAppliedARecord() {
        // Given a tenant record, and a source told the updater's count
        apply("tenant:acme", "Europe/Paris");
        StorePolicies policies = new StorePolicies(store(), serde.deserializer(), changes::get);

        // When the same record and a missing one are asked for many times
        for (int i = 0; i < 100; i++) {
            assertThat(zone(policies.get("tenant:acme"))).isEqualTo("Europe/Paris");
            assertThat(policies.get("tenant:nobody")).isNull();
        }

        // Then the store was read once for each
        assertThat(reads.get()).isEqualTo(2);

        // And a record applied (the count moves) is seen at the next lookup, added and changed alike
        apply("tenant:acme", "Asia/Tokyo");
        apply("tenant:nobody", "UTC");
        assertThat(zone(policies.get("tenant:acme"))).isEqualTo("Asia/Tokyo");
        assertThat(zone(policies.get("tenant:nobody"))).isEqualTo("UTC");
        assertThat(policies.version()).isEqualTo(3);
    }

    @Test
    void shouldReadTheStoreOnEveryLookupWhenNoCountIsGiven() {
        apply("tenant:acme", "Europe/Paris");
        StorePolicies policies = new StorePolicies(store(), serde.deserializer());

        for (int i = 0; i < 10; i++) {
            policies.get("tenant:acme");
        }
        records.remove("tenant:acme"); // not counted: only a source without a count may see it

        assertThat(reads.get()).isEqualTo(10);
        assertThat(policies.get("tenant:acme")).isNull();
        assertThat(policies.version()).isNegative();
    }

    /** As the global store's updater applies a record: the store first, then the count. */
    private void apply(String key, String zone) {
        String tenant = key.substring("tenant:".length());
        Policy policy = Policy.newBuilder().setPolicy(TenantPolicy.newBuilder().setTenant(tenant).setZone(zone).build())
                .build();
        records.put(key, serde.serializer().serialize(Topics.POLICIES, policy));
        changes.incrementAndGet();
    }

    private static String zone(Policy policy) {
        return ((TenantPolicy) policy.getPolicy()).getZone();
    }

    private ReadOnlyKeyValueStore<String, byte[]> store() {
        return new ReadOnlyKeyValueStore<>() {
            @Override
            public byte[] get(String key) {
                reads.incrementAndGet();
                return records.get(key);
            }

            @Override
            public KeyValueIterator<String, byte[]> range(String from, String to) {
                throw new UnsupportedOperationException();
            }

            @Override
            public KeyValueIterator<String, byte[]> all() {
                throw new UnsupportedOperationException();
            }

            @Override
            public long approximateNumEntries() {
                return records.size();
            }
        };
    }
}
