package io.tollgate.metering.topology;

import io.tollgate.policy.deadletter.DeadLetter;
import io.tollgate.policy.records.PolicyRecordCheck;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.Policy;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Global store of {@code tollgate.policies.v1} on every instance, kept as raw bytes. The global thread never
 * deserializes on its own (a failure there stops the whole application, and Streams' dead-letter handlers cannot
 * produce from it): the records are read as bytes and judged by {@link PolicyRecordCheck}, the rule every reader
 * of the topic applies. A refused record (no key, unknown kind, unreadable, key not matching its content) is not
 * applied (what the key held before stays), is counted ({@code tollgate_metering_policy_refused_total{reason}})
 * and is dead-lettered through {@link TopologySettings#policyDeadLetters()}; the global store is rebuilt from the
 * topic at every start, so a refused record is refused again then, until {@code tollgate policy apply} replaces or
 * tombstones it. Input: {@code tollgate.policies.v1}. Store: {@value #POLICY_STORE} (in memory).
 */
public final class PolicyTopology {

    public static final String POLICY_STORE = "metering-policies";

    private static final Logger LOG = LoggerFactory.getLogger(PolicyTopology.class);

    private PolicyTopology() {
    }

    public static void build(StreamsBuilder builder, TopologySettings settings) {
        builder.addGlobalStore(
                Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(POLICY_STORE), Serdes.String(), Serdes.ByteArray())
                        .withLoggingDisabled(),
                Topics.POLICIES,
                Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("policies-source"),
                () -> new Updater(settings));
    }

    /** Applies checked policy records to the global store; never throws. */
    private static final class Updater implements Processor<byte[], byte[], Void, Void> {
        private final TopologySettings settings;
        private final Deserializer<Policy> deserializer;
        private ProcessorContext<Void, Void> context;
        private KeyValueStore<String, byte[]> store;

        Updater(TopologySettings settings) {
            this.settings = settings;
            this.deserializer = settings.topics().<Policy>valueSerde(Policy.class).deserializer();
        }

        @Override
        public void init(ProcessorContext<Void, Void> context) {
            this.context = context;
            store = context.getStateStore(POLICY_STORE);
        }

        @Override
        public void process(Record<byte[], byte[]> record) {
            String key = record.key() == null ? null : new String(record.key(), java.nio.charset.StandardCharsets.UTF_8);
            PolicyRecordCheck.Outcome outcome;
            try {
                outcome = PolicyRecordCheck.check(key, record.value(), deserializer);
            } catch (RuntimeException e) {
                outcome = new PolicyRecordCheck.Refuse(key, PolicyRecordCheck.Problem.UNREADABLE,
                        "policy record '" + key + "' could not be checked: " + e);
            }
            switch (outcome) {
                case PolicyRecordCheck.Apply apply when apply.isDelete() -> store.delete(key);
                case PolicyRecordCheck.Apply apply -> store.put(key, record.value());
                case PolicyRecordCheck.Refuse refuse -> refuse(record, refuse);
            }
        }

        private void refuse(Record<byte[], byte[]> record, PolicyRecordCheck.Refuse refuse) {
            settings.metrics().policyRefused(refuse.problem());
            LOG.warn("policy record not applied: {} ({})", refuse.problem(), refuse.detail());
            RecordMetadata meta = context.recordMetadata().orElse(null);
            try {
                settings.policyDeadLetters().accept(new DeadLetter(record.key(), record.value(), refuse.problem().name(),
                        refuse.detail(), settings.applicationId(), meta == null ? Topics.POLICIES : meta.topic(),
                        meta == null ? -1 : meta.partition(), meta == null ? -1 : meta.offset()));
            } catch (RuntimeException e) {
                LOG.error("could not dead-letter the refused policy record '{}': {}", refuse.key(), e.toString());
            }
        }
    }
}
