package io.tollgate.metering.topology;

import io.tollgate.schemas.Topics;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * Global store of {@code tollgate.policies.v1} on every instance, kept as raw bytes so that an unreadable
 * policy never stops the application (readers parse and fall back, see
 * {@link io.tollgate.metering.period.PeriodResolver}). Input: {@code tollgate.policies.v1}. Store:
 * {@value #POLICY_STORE} (in memory, rebuilt from the compacted topic at start).
 */
public final class PolicyTopology {

    public static final String POLICY_STORE = "metering-policies";

    private PolicyTopology() {
    }

    public static void build(StreamsBuilder builder) {
        builder.addGlobalStore(
                Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(POLICY_STORE), Serdes.String(), Serdes.ByteArray())
                        .withLoggingDisabled(),
                Topics.POLICIES,
                Consumed.with(Serdes.String(), Serdes.ByteArray()).withName("policies-source"),
                () -> new Processor<String, byte[], Void, Void>() {
                    private KeyValueStore<String, byte[]> store;

                    @Override
                    public void init(ProcessorContext<Void, Void> context) {
                        store = context.getStateStore(POLICY_STORE);
                    }

                    @Override
                    public void process(Record<String, byte[]> record) {
                        if (record.key() == null) {
                            return; // a keyless policy cannot be looked up; the CLI never writes one
                        }
                        if (record.value() == null) {
                            store.delete(record.key());
                        } else {
                            store.put(record.key(), record.value());
                        }
                    }
                });
    }
}
