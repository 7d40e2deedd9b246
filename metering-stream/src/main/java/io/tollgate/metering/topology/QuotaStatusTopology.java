package io.tollgate.metering.topology;

import io.tollgate.metering.daily.DayTotals;
import io.tollgate.metering.ingest.MeteredEvent;
import io.tollgate.metering.ingest.TimeRule;
import io.tollgate.metering.policy.TenantCalendars;
import io.tollgate.policy.calendar.RecentPeriods;
import io.tollgate.metering.rates.Buckets;
import io.tollgate.policy.scope.Keys;
import io.tollgate.policy.calendar.Periods;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.PeriodType;
import io.tollgate.metering.status.QuotaStatusEncoder;
import io.tollgate.metering.store.CommitHook;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.kafka.streams.StreamsBuilder;
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
 * The snapshot the gateway consults for (key, model) and (key, *): the non-empty 1-second buckets of the
 * trailing 65 s (ending at the partition's event time), oldest first, and the totals of the day that contains
 * that time (the gateway reads the trailing 61 s; see {@link TopologySettings#STATUS_SPAN}). Every status names
 * the usage partition and offset of the last event it counts ({@code usagePartition}, {@code usageOffset}): the
 * gateway's exact check of which of its own calls a status includes. Output: {@code tollgate.quota-status.v1},
 * {@code QuotaStatus} in Confluent's Avro wire format, written by {@link QuotaStatusEncoder} straight from the
 * buckets' arrays.
 *
 * <p>With {@code metering.status.emit=per-commit} (the default) each counted event only notes, in a field, what
 * the status of its two keys owes besides the stores ({@link Owed}); at the task's commit ({@link CommitHook}
 * {@value #COMMIT_HOOK}) the latest status of every key that changed is published, built then from
 * {@link RatesTopology#RATES_STORE} and {@link DailyQuotaTopology#DAILY_STORE}. The statuses are in the same
 * transaction as the events they count: read_committed consumers (the gateway) see exactly what they would end
 * with if a status were published per event, at the same moment, from one record per changed key rather than two
 * per event. A crash before the commit aborts the statuses together with the store writes and the input offsets,
 * so the events are counted and published again; none is lost or repeated.
 *
 * <p>With {@code metering.status.emit=every-event} the status is forwarded from {@code process()} for every
 * counted event, built from the buckets and totals the two previous steps just wrote ({@link QuotaUpdate}); it
 * reads the daily store only when the event counted in another day than the stream time's.
 */
public final class QuotaStatusTopology {

    private QuotaStatusTopology() {
    }

    /** Publishes the changed keys' statuses at the commit (only with {@code metering.status.emit=per-commit}). */
    public static final String COMMIT_HOOK = "metering-quota-status-commit";

    public static void build(StreamsBuilder builder, KStream<String, QuotaUpdate> events, TopologySettings settings) {
        String[] stores = {RatesTopology.RATES_STORE, DailyQuotaTopology.DAILY_STORE};
        if (settings.statusPerCommit()) {
            builder.addStateStore(CommitHook.builder(COMMIT_HOOK));
            stores = new String[] {RatesTopology.RATES_STORE, DailyQuotaTopology.DAILY_STORE, COMMIT_HOOK};
        }
        events.process(() -> new ContextualProcessor<String, QuotaUpdate, String, byte[]>() {
            private final QuotaStatusEncoder encoder = new QuotaStatusEncoder(
                    settings.topics().quotaStatus().valueSerde().serializer());
            private KeyValueStore<String, Buckets> rates;
            private KeyValueStore<String, DayTotals> daily;
            private TenantCalendars calendars;
            private final RecentPeriods periods = new RecentPeriods();
            /**
             * per-commit mode: status key -> what its status owes, for the keys changed since the last commit, in
             * the order they first changed.
             */
            private final Map<String, Owed> owed = new LinkedHashMap<>();

            @Override
            public void init(ProcessorContext<String, byte[]> context) {
                super.init(context);
                rates = context.getStateStore(RatesTopology.RATES_STORE);
                daily = context.getStateStore(DailyQuotaTopology.DAILY_STORE);
                calendars = MeteringTopology.tenantCalendars(context, settings);
                owed.clear();
                if (settings.statusPerCommit()) {
                    CommitHook.register(context, COMMIT_HOOK, now -> publishOwed());
                }
            }

            /** per-commit mode: the latest status of every key that changed, in the transaction being committed. */
            private void publishOwed() {
                for (Map.Entry<String, Owed> entry : owed.entrySet()) {
                    publish(entry.getKey(), entry.getValue());
                }
                owed.clear();
            }

            @Override
            public void process(Record<String, QuotaUpdate> record) {
                QuotaUpdate update = record.value();
                MeteredEvent m = update.event();
                // the usage record being processed: this sub-topology reads tollgate.usage.v1 itself, keyed by API key
                RecordMetadata source = context().recordMetadata().orElse(null);
                int partition = source == null ? -1 : source.partition();
                long offset = source == null ? -1 : source.offset();
                if (settings.statusPerCommit()) {
                    Owed next = new Owed(record.key(), m.event().getTenant(), m.streamTime(), partition, offset);
                    owed.put(update.modelKey(), next);
                    owed.put(update.allKey(), next);
                    return;
                }
                Periods.Period day = day(m.event().getTenant(), m.streamTime());
                long now = settings.clock().millis();
                String model = m.event().getModel();
                String modelKey = update.modelKey();
                String allKey = update.allKey();
                // the daily step counted the event in its period's day; the status shows the stream time's day,
                // which is another one for a RESPONSE settling on its REQUEST's day: then read that day's totals
                boolean sameDay = update.allDay().dayKey().equals(day.key());
                context().forward(record.withKey(modelKey).withValue(status(record.key(), model, update.modelBuckets(),
                        sameDay ? update.modelDay() : daily.get(DailyQuotaTopology.dayKey(modelKey, day.key())), day,
                        m.streamTime(), now, partition, offset)));
                context().forward(record.withKey(allKey).withValue(status(record.key(), Keys.ALL_MODELS,
                        update.allBuckets(), sameDay ? update.allDay() : daily.get(DailyQuotaTopology.dayKey(allKey, day.key())),
                        day, m.streamTime(), now, partition, offset)));
            }

            private Periods.Period day(String tenant, long streamTime) {
                return periods.of(calendars.of(tenant), PeriodType.DAY, streamTime);
            }

            /** per-commit mode: the latest status of a key that changed, from the stores as the commit finds them. */
            private void publish(String statusKey, Owed owed) {
                long now = settings.clock().millis();
                String model = statusKey.substring(owed.apiKey().length() + 1);
                Periods.Period day = day(owed.tenant(), owed.streamTime());
                context().forward(new Record<>(statusKey, status(owed.apiKey(), model, rates.get(statusKey),
                        daily.get(DailyQuotaTopology.dayKey(statusKey, day.key())), day, owed.streamTime(), now,
                        owed.partition(), owed.offset()), TimeRule.notAhead(owed.streamTime(), now)));
            }

            /** The status in its wire format, written from the stores' values without intermediate Avro objects. */
            private byte[] status(String apiKey, String model, Buckets stored, DayTotals totals, Periods.Period day,
                                  long streamTime, long now, int partition, long offset) {
                Buckets buckets = stored == null ? Buckets.EMPTY : stored;
                return encoder.encode(Topics.QUOTA_STATUS, apiKey, model, buckets,
                        buckets.firstAfter(streamTime - TopologySettings.STATUS_SPAN.toMillis()), day.key(),
                        day.startMillis(), day.endMillis(), totals == null ? 0 : totals.requests(),
                        totals == null ? 0 : totals.tokens(), streamTime, now, partition, offset);
            }
        }, Named.as("quota-status"), stores)
                .to(Topics.QUOTA_STATUS, Produced.with(Serdes.String(), Serdes.ByteArray()).withName("quota-status-sink"));
    }

    /** What a per-commit status owes besides the stores: API key, tenant, stream time, the usage position counted. */
    private record Owed(String apiKey, String tenant, long streamTime, int partition, long offset) {
    }
}
