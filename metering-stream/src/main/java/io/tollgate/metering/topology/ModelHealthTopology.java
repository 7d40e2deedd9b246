package io.tollgate.metering.topology;

import io.tollgate.metering.health.HealthState;
import io.tollgate.metering.ingest.MeteredEvent;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.ModelHealth;
import java.time.Duration;
import java.util.ArrayList;
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
 * events re-keyed by model through {@value #REPARTITION}. Store: {@value #HEALTH_STORE} (key
 * {@code <model>@<13-digit window start>}, windows older than the health retention removed). Output:
 * {@code tollgate.model-health.v1}, keyed by model.
 */
public final class ModelHealthTopology {

    public static final String HEALTH_STORE = "metering-model-health";
    public static final String REPARTITION = "health-by-model";

    private ModelHealthTopology() {
    }

    /** Store key; the fixed-width start keeps one model's windows in time order. */
    public static String windowKey(String model, long windowStart) {
        return model + '@' + String.format("%013d", windowStart);
    }

    public static void build(StreamsBuilder builder, KStream<String, MeteredEvent> events, TopologySettings settings) {
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(HEALTH_STORE),
                Serdes.String(), HealthState.serde()));
        events.filter((k, m) -> !m.isRequest(), Named.as("health-responses"))
                .selectKey((k, m) -> m.event().getModel(), Named.as("health-by-model-key"))
                .repartition(Repartitioned.<String, MeteredEvent>as(REPARTITION)
                        .withKeySerde(Serdes.String()).withValueSerde(MeteredEvent.serde()))
                .process(() -> new ContextualProcessor<String, MeteredEvent, String, ModelHealth>() {
                    private KeyValueStore<String, HealthState> store;

                    @Override
                    public void init(ProcessorContext<String, ModelHealth> context) {
                        super.init(context);
                        store = context.getStateStore(HEALTH_STORE);
                        context.schedule(Duration.ofMinutes(5), PunctuationType.WALL_CLOCK_TIME, now -> expire());
                    }

                    @Override
                    public void process(Record<String, MeteredEvent> record) {
                        long start = HealthState.windowStart(record.value().event().getTimestamp().toEpochMilli());
                        String key = windowKey(record.key(), start);
                        HealthState current = store.get(key);
                        HealthState next = (current == null ? HealthState.empty(record.key(), start) : current)
                                .record(record.value().event());
                        store.put(key, next);
                        context().forward(record.withValue(next.toAvro(settings.clock().millis())));
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
                    }
                }, Named.as("model-health"), HEALTH_STORE)
                .to(Topics.MODEL_HEALTH, Produced.with(Serdes.String(), settings.topics().modelHealth().valueSerde())
                        .withName("model-health-sink"));
    }
}
