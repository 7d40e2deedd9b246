package io.tollgate.metering.topology;

import io.tollgate.metering.daily.DayTotals;
import io.tollgate.metering.ingest.MeteredEvent;
import io.tollgate.metering.period.PeriodResolver;
import io.tollgate.metering.rates.Buckets;
import io.tollgate.schemas.Keys;
import io.tollgate.schemas.Periods;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.PeriodType;
import io.tollgate.metering.status.QuotaStatusEncoder;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The snapshot the gateway consults, emitted on every counted event for (key, model) and (key, *): the
 * non-empty 1-second buckets of the trailing 65 s (ending at the partition's event time), oldest first, and
 * the totals of the day that contains that time (the gateway reads the trailing 61 s; see
 * {@link TopologySettings#STATUS_SPAN}). Reads {@link RatesTopology#RATES_STORE} and
 * {@link DailyQuotaTopology#DAILY_STORE}. The status is forwarded from {@code process()} for every event, so
 * it never waits for a cache flush (the stores' caches only coalesce their changelog writes); it reaches
 * consumers with the next commit, at most {@code metering.commit.interval.ms} (100 ms) later. With
 * {@code metering.status.emit=per-commit} it instead publishes the latest status of each changed key once per
 * commit interval, in the same transaction (identical to what read_committed consumers end up with). Every
 * status names the usage partition and offset of the last event it counts ({@code usagePartition},
 * {@code usageOffset}): the gateway's exact check of which of its own calls a status includes. Output:
 * {@code tollgate.quota-status.v1}, {@code QuotaStatus} in Confluent's Avro wire format, written by
 * {@link QuotaStatusEncoder} straight from the buckets' arrays.
 */
public final class QuotaStatusTopology {

    private QuotaStatusTopology() {
    }

    public static void build(KStream<String, MeteredEvent> events, TopologySettings settings) {
        events.process(() -> new ContextualProcessor<String, MeteredEvent, String, byte[]>() {
            private final QuotaStatusEncoder encoder = new QuotaStatusEncoder(
                    settings.topics().quotaStatus().valueSerde().serializer());
            private KeyValueStore<String, Buckets> rates;
            private KeyValueStore<String, DayTotals> daily;
            private PeriodResolver periods;
            private final Map<String, Pending> pending = new LinkedHashMap<>();

            @Override
            public void init(ProcessorContext<String, byte[]> context) {
                super.init(context);
                if (settings.statusPerCommit()) {
                    context.schedule(settings.emitInterval(), PunctuationType.WALL_CLOCK_TIME, now -> emitPending());
                }
                rates = context.getStateStore(RatesTopology.RATES_STORE);
                daily = context.getStateStore(DailyQuotaTopology.DAILY_STORE);
                periods = MeteringTopology.periodResolver(context, settings);
            }

            @Override
            public void process(Record<String, MeteredEvent> record) {
                MeteredEvent m = record.value();
                // the usage record being processed: this sub-topology reads tollgate.usage.v1 itself, keyed by API key
                RecordMetadata source = context().recordMetadata().orElse(null);
                int partition = source == null ? -1 : source.partition();
                long offset = source == null ? -1 : source.offset();
                if (settings.statusPerCommit()) {
                    Pending p = new Pending(record, partition, offset);
                    pending.put(Keys.quota(record.key(), m.event().getModel()), p);
                    pending.put(Keys.quota(record.key(), Keys.ALL_MODELS), p);
                    return;
                }
                Periods.Period day = day(m);
                long now = settings.clock().millis();
                for (String model : new String[] {m.event().getModel(), Keys.ALL_MODELS}) {
                    forward(Keys.quota(record.key(), model), model, day, now, record, partition, offset);
                }
            }

            private Periods.Period day(MeteredEvent m) {
                return periods.calendar(m.event().getTenant()).period(PeriodType.DAY, m.streamTime());
            }

            private void forward(String key, String model, Periods.Period day, long now,
                                 Record<String, MeteredEvent> record, int partition, long offset) {
                context().forward(record.withKey(key).withValue(status(record.key(), model, key, day, record.value(), now,
                        partition, offset)));
            }

            /** per-commit mode: the latest status of every key that changed, in the same transaction. */
            private void emitPending() {
                long now = settings.clock().millis();
                pending.forEach((key, p) -> forward(key, key.substring(p.record().key().length() + 1),
                        day(p.record().value()), now, p.record(), p.partition(), p.offset()));
                pending.clear();
            }

            /** The status in its wire format, written from the stores' values without intermediate Avro objects. */
            private byte[] status(String apiKey, String model, String key, Periods.Period day, MeteredEvent m,
                                  long now, int partition, long offset) {
                Buckets stored = rates.get(key);
                Buckets buckets = stored == null ? Buckets.EMPTY : stored;
                DayTotals totals = daily.get(DailyQuotaTopology.dayKey(key, day.key()));
                return encoder.encode(Topics.QUOTA_STATUS, apiKey, model, buckets,
                        buckets.firstAfter(m.streamTime() - TopologySettings.STATUS_SPAN.toMillis()), day.key(),
                        day.startMillis(), day.endMillis(), totals == null ? 0 : totals.requests(),
                        totals == null ? 0 : totals.tokens(), m.streamTime(), now, partition, offset);
            }
        }, Named.as("quota-status"), RatesTopology.RATES_STORE, DailyQuotaTopology.DAILY_STORE)
                .to(Topics.QUOTA_STATUS, Produced.with(Serdes.String(), Serdes.ByteArray()).withName("quota-status-sink"));
    }

    /** An event whose status is due in per-commit mode, with the position of its usage record. */
    private record Pending(Record<String, MeteredEvent> record, int partition, long offset) {
    }
}
