package io.tollgate.metering.topology;

import io.tollgate.metering.daily.DayTotals;
import io.tollgate.metering.ingest.MeteredEvent;
import io.tollgate.metering.period.PeriodResolver;
import io.tollgate.metering.rates.Buckets;
import io.tollgate.schemas.Keys;
import io.tollgate.schemas.Periods;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.PeriodType;
import io.tollgate.schemas.avro.QuotaStatus;
import io.tollgate.schemas.avro.UsageBucket;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
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
 * {@code usageOffset}): the gateway's read-your-writes check. Output: {@code tollgate.quota-status.v1}.
 */
public final class QuotaStatusTopology {

    private QuotaStatusTopology() {
    }

    public static void build(KStream<String, MeteredEvent> events, TopologySettings settings) {
        events.process(() -> new ContextualProcessor<String, MeteredEvent, String, QuotaStatus>() {
            private KeyValueStore<String, Buckets> rates;
            private KeyValueStore<String, DayTotals> daily;
            private PeriodResolver periods;
            private final Map<String, Pending> pending = new LinkedHashMap<>();

            @Override
            public void init(ProcessorContext<String, QuotaStatus> context) {
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
                // the usage record being processed: the sub-topology reads tollgate.usage.v1 itself, keyed by API key
                Pending p = context().recordMetadata()
                        .map(meta -> new Pending(record, meta.partition(), meta.offset()))
                        .orElseGet(() -> new Pending(record, -1, -1));
                if (settings.statusPerCommit()) {
                    pending.put(Keys.quota(record.key(), m.event().getModel()), p);
                    pending.put(Keys.quota(record.key(), Keys.ALL_MODELS), p);
                    return;
                }
                for (String model : new String[] {m.event().getModel(), Keys.ALL_MODELS}) {
                    forward(Keys.quota(record.key(), model), model, p);
                }
            }

            private void forward(String key, String model, Pending p) {
                MeteredEvent m = p.record().value();
                Periods.Period day = periods.calendar(m.event().getTenant()).period(PeriodType.DAY, m.streamTime());
                context().forward(p.record().withKey(key)
                        .withValue(status(p.record().key(), model, key, day, m, p, settings.clock().millis())));
            }

            /** per-commit mode: the latest status of every key that changed, in the same transaction. */
            private void emitPending() {
                pending.forEach((key, p) -> forward(key, key.substring(p.record().key().length() + 1), p));
                pending.clear();
            }

            private QuotaStatus status(String apiKey, String model, String key, Periods.Period day, MeteredEvent m,
                                       Pending source, long now) {
                Buckets buckets = rates.get(key);
                List<UsageBucket> recent = (buckets == null ? Buckets.EMPTY : buckets)
                        .after(m.streamTime() - TopologySettings.STATUS_SPAN.toMillis()).stream()
                        .map(b -> new UsageBucket(b.startMillis(), b.requests(), b.tokens())).toList();
                DayTotals totals = daily.get(DailyQuotaTopology.dayKey(key, day.key()));
                return QuotaStatus.newBuilder().setApiKeyId(apiKey).setModel(model)
                        .setBucketMillis(Buckets.BUCKET_MILLIS).setBuckets(recent)
                        .setDayKey(day.key()).setDayStartMillis(day.startMillis()).setDayEndMillis(day.endMillis())
                        .setDayRequests(totals == null ? 0 : totals.requests())
                        .setDayTokens(totals == null ? 0 : totals.tokens())
                        .setLastEventTime(m.streamTime()).setUpdatedAt(now)
                        .setUsagePartition(source.partition()).setUsageOffset(source.offset()).build();
            }
        }, Named.as("quota-status"), RatesTopology.RATES_STORE, DailyQuotaTopology.DAILY_STORE)
                .to(Topics.QUOTA_STATUS, Produced.with(Serdes.String(), settings.topics().quotaStatus().valueSerde())
                        .withName("quota-status-sink"));
    }

    /**
     * An event whose status is due, with the position of its usage record: the status then says up to which
     * offset of the key's usage partition it counts everything ({@code usageOffset}), so a gateway can tell
     * exactly which of its own admissions it already includes.
     */
    private record Pending(Record<String, MeteredEvent> record, int partition, long offset) {
    }
}
