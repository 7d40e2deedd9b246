package io.tollgate.metering.topology;

import io.tollgate.metering.daily.DayTotals;
import io.tollgate.metering.ingest.MeteredEvent;
import io.tollgate.metering.ingest.TimeRule;
import io.tollgate.policy.calendar.Calendars;
import io.tollgate.metering.rates.Buckets;
import io.tollgate.policy.scope.Keys;
import io.tollgate.policy.calendar.Periods;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.PeriodType;
import io.tollgate.metering.status.QuotaStatusEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.processor.internals.InternalProcessorContext;
import org.apache.kafka.streams.processor.internals.ProcessorNode;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.internals.CachedStateStore;
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
 * <p>With {@code metering.status.emit=per-commit} (the default) each counted event only records what the status
 * of its two keys owes besides the stores ({@link Owed}) in {@value #LATEST_STORE}, a cached, logged store; the
 * cache's flush publishes the latest status of every key that changed, built then from
 * {@link RatesTopology#RATES_STORE} and {@link DailyQuotaTopology#DAILY_STORE}. Streams flushes the caches
 * when the task commits, before it flushes the producer and commits the transaction, so these statuses are in
 * the same transaction as the events they count: read_committed consumers (the gateway) see exactly what they
 * would end with if a status were published per event, at the same moment, from one record per changed key
 * rather than two per event. A cache eviction between commits publishes early, which is only an extra status.
 * A crash before the commit aborts the statuses together with the store's changelog writes and the input
 * offsets, so the events are counted and published again; none is lost or repeated.
 *
 * <p>With {@code metering.status.emit=every-event} the status is forwarded from {@code process()} for every
 * counted event, built from the buckets and totals the two previous steps just wrote ({@link QuotaUpdate}); it
 * reads the daily store only when the event counted in another day than the stream time's.
 */
public final class QuotaStatusTopology {

    private QuotaStatusTopology() {
    }

    /**
     * Status key -> what its latest status owes besides the stores (only with {@code metering.status.emit=per-commit}).
     * Entries stay after they are published (one per status key, like the rates store's), so that publishing
     * writes nothing: deleting in the flush would log a tombstone per key and commit.
     */
    public static final String LATEST_STORE = "metering-quota-status-latest";

    public static void build(StreamsBuilder builder, KStream<String, QuotaUpdate> events, TopologySettings settings) {
        String[] stores = {RatesTopology.RATES_STORE, DailyQuotaTopology.DAILY_STORE};
        if (settings.statusPerCommit()) {
            builder.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(LATEST_STORE),
                    Serdes.String(), Serdes.ByteArray()).withCachingEnabled());
            stores = new String[] {RatesTopology.RATES_STORE, DailyQuotaTopology.DAILY_STORE, LATEST_STORE};
        }
        events.process(() -> new ContextualProcessor<String, QuotaUpdate, String, byte[]>() {
            private final QuotaStatusEncoder encoder = new QuotaStatusEncoder(
                    settings.topics().quotaStatus().valueSerde().serializer());
            private KeyValueStore<String, Buckets> rates;
            private KeyValueStore<String, DayTotals> daily;
            private Calendars calendars;
            private KeyValueStore<String, byte[]> latest;
            /**
             * per-commit mode, while {@code process()} writes {@code latest}: the event's keys and what they owe.
             * The cache evicts from the store being written, so a put can publish the other key of the same
             * event, whose buckets and totals already count the event while its entry still names the one before.
             */
            private String currentModelKey;
            private String currentAllKey;
            private byte[] currentOwed;

            @Override
            public void init(ProcessorContext<String, byte[]> context) {
                super.init(context);
                rates = context.getStateStore(RatesTopology.RATES_STORE);
                daily = context.getStateStore(DailyQuotaTopology.DAILY_STORE);
                calendars = MeteringTopology.calendars(context, settings);
                if (settings.statusPerCommit()) {
                    latest = context.getStateStore(LATEST_STORE);
                    publishOnFlush(context);
                }
            }

            /**
             * What the DSL's KTable source does with its cached store (Streams offers no public hook for it): the
             * cache hands each flushed entry to a listener, which forwards as this processor, with the record
             * context of the put the entry holds.
             */
            @SuppressWarnings("unchecked")
            private void publishOnFlush(ProcessorContext<String, byte[]> context) {
                InternalProcessorContext<String, byte[]> internal = (InternalProcessorContext<String, byte[]>) context;
                ProcessorNode<?, ?, ?, ?> self = internal.currentNode();
                boolean cached = ((CachedStateStore<String, byte[]>) latest).setFlushListener(flushed -> {
                    if (flushed.value().newValue == null) {
                        return;
                    }
                    ProcessorNode<?, ?, ?, ?> current = internal.currentNode();
                    internal.setCurrentNode(self);
                    try {
                        boolean ofCurrentEvent = flushed.key().equals(currentModelKey) || flushed.key().equals(currentAllKey);
                        publish(flushed.key(), Owed.decode(ofCurrentEvent ? currentOwed : flushed.value().newValue));
                    } finally {
                        internal.setCurrentNode(current);
                    }
                }, false);
                if (!cached) {
                    throw new IllegalStateException("store '" + LATEST_STORE + "' has no cache, so quota status would"
                            + " never be published; keep the store's caching enabled or set metering.status.emit=every-event");
                }
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
                    currentOwed = Owed.encode(record.key(), m.event().getTenant(), m.streamTime(), partition, offset);
                    currentModelKey = Keys.quota(record.key(), m.event().getModel());
                    currentAllKey = Keys.quota(record.key(), Keys.ALL_MODELS);
                    try {
                        latest.put(currentModelKey, currentOwed);
                        latest.put(currentAllKey, currentOwed);
                    } finally {
                        currentModelKey = null;
                        currentAllKey = null;
                        currentOwed = null;
                    }
                    return;
                }
                Periods.Period day = day(m.event().getTenant(), m.streamTime());
                long now = settings.clock().millis();
                String model = m.event().getModel();
                String modelKey = Keys.quota(record.key(), model);
                String allKey = Keys.quota(record.key(), Keys.ALL_MODELS);
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
                return calendars.ofTenant(tenant).period(PeriodType.DAY, streamTime);
            }

            /** per-commit mode: the latest status of a key that changed, from the stores as the flush finds them. */
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

    /**
     * What a per-commit status owes besides the stores: stream time, the usage position it counts up to, API key
     * and tenant, in a few bytes.
     */
    private record Owed(String apiKey, String tenant, long streamTime, int partition, long offset) {
        static byte[] encode(String apiKey, String tenant, long streamTime, int partition, long offset) {
            byte[] key = apiKey.getBytes(StandardCharsets.UTF_8);
            byte[] t = tenant.getBytes(StandardCharsets.UTF_8);
            return ByteBuffer.allocate(24 + key.length + t.length).putLong(streamTime).putInt(partition).putLong(offset)
                    .putInt(key.length).put(key).put(t).array();
        }

        static Owed decode(byte[] bytes) {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            long streamTime = in.getLong();
            int partition = in.getInt();
            long offset = in.getLong();
            byte[] key = new byte[in.getInt()];
            in.get(key);
            byte[] tenant = new byte[in.remaining()];
            in.get(tenant);
            return new Owed(new String(key, StandardCharsets.UTF_8), new String(tenant, StandardCharsets.UTF_8), streamTime,
                    partition, offset);
        }
    }
}
