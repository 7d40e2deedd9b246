package io.tollgate.metering.topology;

import io.tollgate.metering.health.HealthSample;
import io.tollgate.metering.health.HealthState;
import io.tollgate.metering.ingest.MeteredEvent;
import io.tollgate.metering.ingest.TimeRule;
import io.tollgate.metering.store.CommitHook;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.ModelHealth;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.TreeMap;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Per model and 5-minute event-time window (aligned to the epoch): calls, successes, errors by kind,
 * fallbacks, completion tokens per second and latency quantiles from an HdrHistogram. Input: RESPONSE
 * events as compact {@link HealthSample}s, batched per model on the input partitioning and sent on at each commit
 * (commit hook {@value #BATCH_HOOK}), re-keyed by model, through {@value #REPARTITION} (one record per model and
 * commit). Stores: {@value #HEALTH_STORE} (key {@code <model>@<13-digit window start>},
 * windows older than the health retention removed), {@value #UNPUBLISHED_STORE} (windows changed since the last
 * publication). Output: {@code tollgate.model-health.v1}, keyed by model: every window that changed, once per emit
 * interval (so up to a commit interval and an emit interval after the RESPONSE). A batch that would overflow a
 * window's counter is refused whole (dead-lettered by the processing handler) and changes no window.
 */
public final class ModelHealthTopology {

    private static final Logger LOG = LoggerFactory.getLogger(ModelHealthTopology.class);

    public static final String HEALTH_STORE = "metering-model-health";
    public static final String REPARTITION = "health-samples-by-model";
    public static final String UNPUBLISHED_STORE = "metering-model-health-unpublished";
    /** Sends the batched samples on through {@value #REPARTITION}, at the commit. */
    public static final String BATCH_HOOK = "metering-model-health-batch-commit";
    /**
     * Where a version before the commit hook batched the samples (model -> batch), restored from its changelog: what
     * an older version left there is sent on at a task's first commit and deleted in the same transaction.
     */
    public static final String LEGACY_PENDING_STORE = "metering-model-health-pending";
    /**
     * Samples per batch at most (27 bytes each): a batch this full is sent at once rather than at the next emit.
     * Each sample appended copies its batch, so the bound keeps that copy under 2 KB per RESPONSE while one
     * repartition record still carries 64 of them.
     */
    static final int MAX_BATCH = 64;
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
        builder.addStateStore(CommitHook.builder(BATCH_HOOK));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(LEGACY_PENDING_STORE),
                Serdes.String(), Serdes.ByteArray()));
        events.process(Batcher::new, Named.as("health-batch"), BATCH_HOOK, LEGACY_PENDING_STORE)
                .repartition(Repartitioned.<String, byte[]>as(REPARTITION)
                        .withKeySerde(Serdes.String()).withValueSerde(Serdes.ByteArray()))
                .process(() -> new ContextualProcessor<String, byte[], String, ModelHealth>() {
                    private KeyValueStore<String, HealthState> store;
                    /**
                     * Windows as last written, decoded: written through (every update is put to the store, which
                     * stays the only state), so this only saves decoding the histogram for every batch. Emptied in
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
                    public void process(Record<String, byte[]> record) {
                        // per window, every new state's counters first, so a batch that would overflow one leaves them all
                        Map<Long, List<HealthSample>> byWindow = new TreeMap<>();
                        for (HealthSample sample : HealthSample.readBatch(record.value())) {
                            byWindow.computeIfAbsent(HealthState.windowStart(sample.eventTime()), w -> new ArrayList<>())
                                    .add(sample);
                        }
                        List<HealthState> states = new ArrayList<>(byWindow.size());
                        for (var window : byWindow.entrySet()) {
                            String key = windowKey(record.key(), window.getKey());
                            HealthState current = decoded.get(key);
                            if (current == null) {
                                current = store.get(key);
                            }
                            HealthState state = current == null ? HealthState.empty(record.key(), window.getKey()) : current;
                            state.countersAfter(window.getValue());
                            states.add(state);
                        }
                        int i = 0;
                        for (List<HealthSample> samples : byWindow.values()) {
                            HealthState next = states.get(i++).recordAll(samples);
                            String key = windowKey(record.key(), next.windowStart());
                            store.put(key, next);
                            unpublished.put(key, MARK);
                            if (decoded.size() >= MAX_DECODED) {
                                decoded.clear();
                            }
                            decoded.put(key, next);
                        }
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

    /**
     * Collects each model's RESPONSE samples in a field (one batch per model) and sends them on at the task's commit
     * ({@link CommitHook}), or as soon as a batch holds {@value #MAX_BATCH}: one repartition record per model and commit
     * instead of one per RESPONSE, and one histogram update and store write per window and batch downstream.
     * Exactly-once holds as in spend's pre-aggregation: the batches are sent in the transaction that commits the
     * records they come from, and a task revived after an abort runs {@code init()}, which empties the field, and
     * processes those records again.
     */
    private static final class Batcher extends ContextualProcessor<String, MeteredEvent, String, byte[]> {
        private final Map<String, HealthSample.Batch> pending = new HashMap<>();
        private KeyValueStore<String, byte[]> legacy;
        private boolean legacyDrained;

        @Override
        public void init(ProcessorContext<String, byte[]> context) {
            super.init(context);
            pending.clear();
            legacy = context.getStateStore(LEGACY_PENDING_STORE);
            legacyDrained = false;
            CommitHook.register(context, BATCH_HOOK, this::flush);
        }

        @Override
        public void process(Record<String, MeteredEvent> record) {
            if (!record.value().isResponse()) {
                return; // health is judged from outcomes only (a filter step of its own would cost a hop per event)
            }
            String model = record.value().event().getModel();
            HealthSample.Batch batch = pending.computeIfAbsent(model, m -> new HealthSample.Batch(MAX_BATCH));
            if (batch.add(record.value().event())) {
                pending.remove(model);
                send(model, batch, context().currentSystemTimeMs());
            }
        }

        private void flush(long now) {
            if (!legacyDrained) {
                List<KeyValue<String, byte[]>> left = new ArrayList<>();
                try (KeyValueIterator<String, byte[]> it = legacy.all()) {
                    it.forEachRemaining(left::add);
                }
                for (KeyValue<String, byte[]> batch : left) {
                    try {
                        long newest = Long.MIN_VALUE;
                        for (HealthSample sample : HealthSample.readBatch(batch.value)) {
                            newest = Math.max(newest, sample.eventTime());
                        }
                        send(batch.key, batch.value, newest, now);
                        legacy.delete(batch.key);
                    } catch (RuntimeException unreadable) {
                        LOG.error("health batch of '{}' left by an older version is unreadable and stays in {}: {}",
                                batch.key, LEGACY_PENDING_STORE, unreadable.getMessage());
                    }
                }
                legacyDrained = true;
            }
            if (pending.isEmpty()) {
                return;
            }
            // in model order, as the store this replaced listed them
            for (Map.Entry<String, HealthSample.Batch> batch : new TreeMap<>(pending).entrySet()) {
                send(batch.getKey(), batch.getValue(), now);
            }
            pending.clear();
        }

        private void send(String model, HealthSample.Batch batch, long now) {
            send(model, batch.bytes(), batch.newest(), now);
        }

        private void send(String model, byte[] batch, long newest, long now) {
            context().forward(new Record<>(model, batch, TimeRule.notAhead(newest, now)));
        }
    }
}
