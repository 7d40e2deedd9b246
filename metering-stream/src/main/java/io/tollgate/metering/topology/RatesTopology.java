package io.tollgate.metering.topology;

import io.tollgate.metering.ingest.MeteredEvent;
import io.tollgate.metering.rates.Buckets;
import io.tollgate.metering.store.DeferredStore;
import io.tollgate.metering.store.JoinedKeys;
import io.tollgate.policy.scope.Keys;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * Requests and tokens in 1-second buckets per (key, model) and (key, *), by event time. A REQUEST adds one request and
 * its reserved tokens; a RESPONSE adds its correction (actual - reserved, possibly negative). Buckets are kept for 120
 * s plus the grace (quota status publishes the trailing 65 s of them). Input: accepted events keyed by API-key id (no
 * repartition); a settlement (ABANDONED) changes no request or token count and goes no further. Store:
 * {@value #RATES_STORE} (key {@code <apiKeyId>|<model>}, a {@link DeferredStore}: written once per changed key and
 * commit). Output: the other events with the buckets just written ({@link QuotaUpdate}), for the next steps. The buckets are recorded into in place ({@link Buckets#record}) and put back, so the store writes them
 * at the commit.
 */
public final class RatesTopology {

    public static final String RATES_STORE = "metering-rate-buckets";
    /** Bucket arrays held decoded per task (up to ~3 KB each): the (key, model) pairs active in the last minutes. */
    private static final int HELD_ENTRIES = 4_096;

    private RatesTopology() {
    }

    public static KStream<String, QuotaUpdate> build(StreamsBuilder builder, KStream<String, MeteredEvent> events,
                                                     TopologySettings settings) {
        builder.addStateStore(DeferredStore.builder(Stores.persistentKeyValueStore(RATES_STORE), Serdes.String(),
                Buckets.serde(), HELD_ENTRIES));
        long retention = settings.bucketRetentionMillis();
        return events.process(() -> new ContextualProcessor<String, MeteredEvent, String, QuotaUpdate>() {
            private KeyValueStore<String, Buckets> store;
            private final JoinedKeys quotaKeys = new JoinedKeys(HELD_ENTRIES * 4, Keys::quota);

            @Override
            public void init(ProcessorContext<String, QuotaUpdate> context) {
                super.init(context);
                store = context.getStateStore(RATES_STORE);
            }

            @Override
            public void process(Record<String, MeteredEvent> record) {
                MeteredEvent m = record.value();
                if (m.kind() == MeteredEvent.Kind.ABANDONED) {
                    return; // a settlement changes no request or token count, only spend: not for the quota steps
                }
                long requests = m.requestDelta();
                long tokens = m.tokenDelta();
                long dropUpTo = m.streamTime() - retention;
                long at = m.event().getTimestamp().toEpochMilli();
                Buckets[] next = new Buckets[2];
                String[] keys = {quotaKeys.of(record.key(), m.event().getModel()),
                        quotaKeys.of(record.key(), Keys.ALL_MODELS)};
                // a model named like the all-models key has one value for both: recorded into once
                int distinct = keys[0].equals(keys[1]) ? 1 : 2;
                for (int i = 0; i < distinct; i++) {
                    Buckets current = store.get(keys[i]);
                    next[i] = current == null ? new Buckets() : current;
                    next[i].checkRecord(at, requests, tokens);
                }
                // both checked before either is recorded into: an overflow leaves the store as it was
                for (int i = 0; i < distinct; i++) {
                    next[i].record(at, requests, tokens, dropUpTo);
                    store.put(keys[i], next[i]);
                }
                next[1] = next[distinct - 1];
                context().forward(record.withValue(new QuotaUpdate(m, keys[0], keys[1], next[0], next[1], null, null)));
            }
        }, Named.as("rates"), RATES_STORE);
    }
}
