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
import java.util.List;
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
 * non-empty 1-second buckets of the trailing 120 s (ending at the partition's event time), oldest first, and
 * the totals of the day that contains that time. Reads {@link RatesTopology#RATES_STORE} and
 * {@link DailyQuotaTopology#DAILY_STORE}. The status is forwarded from {@code process()} for every event, so
 * it never waits for a cache flush (the stores' caches only coalesce their changelog writes); it reaches
 * consumers with the next commit, at most {@code metering.commit.interval.ms} (100 ms) later. Output:
 * {@code tollgate.quota-status.v1}.
 */
public final class QuotaStatusTopology {

    private QuotaStatusTopology() {
    }

    public static void build(KStream<String, MeteredEvent> events, TopologySettings settings) {
        events.process(() -> new ContextualProcessor<String, MeteredEvent, String, QuotaStatus>() {
            private KeyValueStore<String, Buckets> rates;
            private KeyValueStore<String, DayTotals> daily;
            private PeriodResolver periods;

            @Override
            public void init(ProcessorContext<String, QuotaStatus> context) {
                super.init(context);
                rates = context.getStateStore(RatesTopology.RATES_STORE);
                daily = context.getStateStore(DailyQuotaTopology.DAILY_STORE);
                periods = MeteringTopology.periodResolver(context, settings);
            }

            @Override
            public void process(Record<String, MeteredEvent> record) {
                MeteredEvent m = record.value();
                String apiKey = record.key();
                Periods.Period day = periods.calendar(m.event().getTenant()).period(PeriodType.DAY, m.streamTime());
                long now = settings.clock().millis();
                for (String model : new String[] {m.event().getModel(), Keys.ALL_MODELS}) {
                    String key = Keys.quota(apiKey, model);
                    context().forward(record.withKey(key).withValue(status(apiKey, model, key, day, m, now)));
                }
            }

            private QuotaStatus status(String apiKey, String model, String key, Periods.Period day, MeteredEvent m,
                                       long now) {
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
                        .setLastEventTime(m.streamTime()).setUpdatedAt(now).build();
            }
        }, Named.as("quota-status"), RatesTopology.RATES_STORE, DailyQuotaTopology.DAILY_STORE)
                .to(Topics.QUOTA_STATUS, Produced.with(Serdes.String(), settings.topics().quotaStatus().valueSerde())
                        .withName("quota-status-sink"));
    }
}
