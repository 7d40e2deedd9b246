package io.tollgate.metering.topology;

import io.tollgate.policy.topic.PolicyStoreUpdater;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.Policy;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.state.Stores;

/**
 * Global store of {@code tollgate.policies.v1} on every instance, kept as raw bytes (decoded on use by
 * {@code StorePolicies}) by the policy module's {@link PolicyStoreUpdater}: a refused record is counted
 * ({@code tollgate_metering_policy_refused_total{reason}}) and dead-lettered through
 * {@link TopologySettings#policyDeadLetters()}. Input: {@code tollgate.policies.v1}. Store: {@value #POLICY_STORE}
 * (in memory).
 */
public final class PolicyTopology {

    public static final String POLICY_STORE = "metering-policies";

    private PolicyTopology() {
    }

    public static void build(StreamsBuilder builder, TopologySettings settings) {
        builder.addGlobalStore(
                Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(POLICY_STORE), Serdes.String(), Serdes.ByteArray())
                        .withLoggingDisabled(),
                Topics.POLICIES,
                Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("policies-source"),
                () -> PolicyStoreUpdater.keepingBytes(POLICY_STORE,
                        settings.topics().<Policy>valueSerde(Policy.class).deserializer(),
                        new PolicyStoreUpdater.Refusals(settings.applicationId(), settings.metrics()::policyRefused,
                                settings.policyDeadLetters()), settings.policyChanges()));
    }
}
