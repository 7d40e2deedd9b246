package io.tollgate.metering.topology;

import io.tollgate.metering.health.HealthSample;
import io.tollgate.metering.health.HealthState;
import io.tollgate.metering.ingest.MeteredEvent;
import io.tollgate.metering.ingest.TimeRule;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.ModelHealth;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * Per model and 5-minute event-time window (aligned to the epoch): calls, successes, errors by kind,
 * fallbacks, completion tokens per second and latency quantiles from an HdrHistogram. Input: RESPONSE
 * events re-keyed by model through {@value #REPARTITION} as compact {@link HealthSample}s. Stores:
 * {@value #HEALTH_STORE} (key {@code <model>@<13-digit window start>}, windows older than the health
 * retention removed), {@value #UNPUBLISHED_STORE} (windows changed since the last publication). Output: {@code tollgate.model-health.v1}, keyed by model: every window that changed,
 * once per emit interval.
 */
public final class ModelHealthTopology {

    public static final String HEALTH_STORE = "metering-model-health";
    public static final String REPARTITION = "health-by-model";
    public static final String UNPUBLISHED_STORE = "metering-model-health-unpublished";
    private static final byte[] MARK = new byte[0];
    /** Bound of the decoded windows kept per task (models x windows updated within the retention). */
    private static final int MAX_DECODED = 256;

    private ModelHealthTopology() {
    }

    /** Store key; the fixed-width start keeps one model's windows in time order. */
    public static String windowKey(String model, long windowStart) {
        return model + '@' + String.format("%013d", windowStart);
    }

    public static void build(StreamsBuilder builder, KStream<String, MeteredEvent> events, TopologySettings settings) {
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(HEALTH_STORE),
                Serdes.String(), HealthState.serde()).withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(UNPUBLISHED_STORE),
                Serdes.String(), Serdes.ByteArray()).withCachingEnabled());
        events.filter((k, m) -> m.isResponse(), Named.as("health-responses"))
                .map((k, m) -> KeyValue.pair(m.event().getModel(), HealthSample.of(m.event())), Named.as("health-samples"))
                .repartition(Repartitioned.<String, HealthSample>as(REPARTITION)
                        .withKeySerde(Serdes.String()).withValueSerde(HealthSample.serde()))
                .process(() -> new ContextualProcessor<String, HealthSample, String, ModelHealth>() {
                    private KeyValueStore<String, HealthState> store;
                    /**
                     * Windows as last written, decoded: written through (every update is put to the store, which
                     * stays the only state), so this only saves decoding the histogram on every sample. Emptied in
                     * init(), which a revived task (its store restored from the changelog) runs again, and on expiry.
                     */
                    private final Map<String, HealthState> decoded = new HashMap<>();
                    /**
                     * Windows changed since the last emit, in key order (model, then window start). A logged store,
                     * not a field: a commit, shutdown or task move can come between an update and its publication.
                     */
                    private KeyValueStore<String, byte[]> unpublished;

                    @Override
                    public void init(ProcessorContext<String, ModelHealth> context) {
                        super.init(context);
                        store = context.getStateStore(HEALTH_STORE);
                        decoded.clear();
                        unpublished = context.getStateStore(UNPUBLISHED_STORE);
                        context.schedule(Duration.ofMinutes(5), PunctuationType.WALL_CLOCK_TIME, now -> expire());
                        context.schedule(settings.emitInterval(), PunctuationType.WALL_CLOCK_TIME, this::emit);
                    }

                    @Override
                    public void process(Record<String, HealthSample> record) {
                        long start = HealthState.windowStart(record.value().eventTime());
                        String key = windowKey(record.key(), start);
                        HealthState current = decoded.get(key);
                        if (current == null) {
                            current = store.get(key);
                        }
                        HealthState next = (current == null ? HealthState.empty(record.key(), start) : current)
                                .record(record.value());
                        store.put(key, next);
                        unpublished.put(key, MARK);
                        if (decoded.size() >= MAX_DECODED) {
                            decoded.clear();
                        }
                        decoded.put(key, next);
                    }

                    /** Publishes changed windows oldest first, and ends each model on its newest window. */
                    private void emit(long wallClock) {
                        long now = settings.clock().millis();
                        Map<String, Long> lastPublished = new HashMap<>();
                        List<String> keys = new ArrayList<>();
                        try (KeyValueIterator<String, byte[]> it = unpublished.all()) {
                            it.forEachRemaining(entry -> keys.add(entry.key));
                        }
                        for (String key : keys) {
                            HealthState state = store.get(key);
                            if (state != null) {
                                context().forward(new Record<>(state.model(), state.toAvro(now),
                                        TimeRule.notAhead(state.windowStart(), wallClock)));
                                lastPublished.put(state.model(), state.windowStart());
                            }
                            unpublished.delete(key);
                        }
                        lastPublished.forEach((model, start) -> {
                            HealthState newest = newest(model);
                            if (newest != null && newest.windowStart() > start) {
                                context().forward(new Record<>(model, newest.toAvro(now),
                                        TimeRule.notAhead(newest.windowStart(), wallClock)));
                            }
                        });
                    }

                    private HealthState newest(String model) {
                        HealthState newest = null;
                        try (KeyValueIterator<String, HealthState> it = store.prefixScan(model + '@',
                                Serdes.String().serializer())) {
                            while (it.hasNext()) {
                                HealthState h = it.next().value;
                                if (h.model().equals(model) && (newest == null || h.windowStart() > newest.windowStart())) {
                                    newest = h;
                                }
                            }
                        }
                        return newest;
                    }

                    private void expire() {
                        long cutoff = settings.clock().millis() - settings.healthRetention().toMillis();
                        List<String> expired = new ArrayList<>();
                        try (KeyValueIterator<String, HealthState> it = store.all()) {
                            while (it.hasNext()) {
                                KeyValue<String, HealthState> entry = it.next();
                                if (entry.value.windowStart() + HealthState.WINDOW_MILLIS < cutoff) {
                                    expired.add(entry.key);
                                }
                            }
                        }
                        expired.forEach(store::delete);
                        decoded.clear();
                    }
                }, Named.as("model-health"), HEALTH_STORE, UNPUBLISHED_STORE)
                .to(Topics.MODEL_HEALTH, Produced.with(Serdes.String(), settings.topics().modelHealth().valueSerde())
                        .withName("model-health-sink"));
    }
}
