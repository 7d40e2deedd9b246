package io.tollgate.metering.topology;

import io.tollgate.metering.ingest.MeteredEvent;
import io.tollgate.metering.ingest.TimeRule;
import io.tollgate.metering.spend.SpendDelta;
import io.tollgate.metering.spend.SpendSlice;
import io.tollgate.metering.spend.SpendState;
import io.tollgate.metering.store.MirroredStore;
import io.tollgate.metering.store.WriteThroughStore;
import io.tollgate.policy.scope.Keys;
import io.tollgate.policy.calendar.Calendar;
import io.tollgate.policy.calendar.Calendars;
import io.tollgate.policy.calendar.Periods;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.PeriodType;
import io.tollgate.schemas.avro.ScopeType;
import io.tollgate.schemas.avro.SpendTotal;
import io.tollgate.schemas.avro.UsageEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
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
 * Spend in integer micro-dollars per tenant, team, agent, sub-agent, API key and conversation, per DAY and MONTH in
 * the scope's calendar (the policy module's {@code Calendars.ofScope}: the scope's budget zone, else its tenant's, as
 * budget-alerts judges it; conversations also LIFETIME), reservations included until their RESPONSE settles them.
 * Input: accepted events, summed per {@link SpendSlice} (the events sharing every scope, the model and a quarter hour)
 * in {@value #PENDING_STORE} on the input partitioning, expanded into per (scope, tenant, quarter hour) sums once per
 * emit interval and sent on, re-keyed by scope ({@code team:acme}), through repartition topic {@value #REPARTITION}
 * as compact {@link SpendDelta}s: one record per changed scope and interval rather than six or seven per event. Stores: {@value #SPEND_STORE} (key
 * {@code team:acme@2026-11-21}), {@value #UNPUBLISHED_STORE} (keys changed since the last publication). Output: {@code tollgate.spend.v1}, the latest total of every key that changed,
 * once per emit interval (the commit interval): budgets need the current figure, not each step to it, and one
 * event touches ten or more spend keys.
 */
public final class SpendTopology {

    public static final String SPEND_STORE = "metering-spend";
    public static final String REPARTITION = "spend-by-scope";
    public static final String PENDING_STORE = "metering-spend-pending";
    public static final String UNPUBLISHED_STORE = "metering-spend-unpublished";
    /**
     * Decoded totals held per task: the (scope, period) keys being updated. The pending slices and the unpublished
     * keys are held whole ({@link MirroredStore}): they are one interval's entries, and most slices are new in their
     * interval, so a read that misses would otherwise search the record cache and the store every time.
     */
    private static final int DECODED_ENTRIES = 8_192;

    private SpendTopology() {
    }

    public static void build(StreamsBuilder builder, KStream<String, MeteredEvent> events, TopologySettings settings) {
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(PENDING_STORE),
                Serdes.String(), Serdes.ByteArray()).withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SPEND_STORE),
                Serdes.String(), SpendState.serde()).withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(UNPUBLISHED_STORE),
                Serdes.String(), Serdes.ByteArray()).withCachingEnabled());
        events.process(() -> new PreAggregator(settings), Named.as("spend-pre-aggregate"), PENDING_STORE)
                .repartition(Repartitioned.<String, SpendDelta>as(REPARTITION)
                        .withKeySerde(Serdes.String()).withValueSerde(SpendDelta.serde()))
                .process(() -> new SpendProcessor(settings), Named.as("spend"), SPEND_STORE, UNPUBLISHED_STORE)
                .to(Topics.SPEND, Produced.with(Serdes.String(), settings.topics().spend().valueSerde())
                        .withName("spend-sink"));
    }

    /**
     * Sums each interval's events per {@link SpendSlice} (tenant, quarter hour, team, agent, key, conversation,
     * sub-agent, model: one store read and write per event) in a logged store, and once per emit interval expands the
     * slices into their scopes and forwards one summed delta per (scope, tenant, quarter hour). Exactly-once holds
     * because the sums live in a changelogged store, not in memory: a commit between two flushes commits the pending
     * sums with the input offsets, and a failed transaction rolls both back. A flush forwards and deletes inside the
     * punctuation, i.e. inside the task's transaction; the accumulator it builds lives only during that call.
     */
    private static final class PreAggregator extends ContextualProcessor<String, MeteredEvent, String, SpendDelta> {
        private final TopologySettings settings;
        private MirroredStore<String, byte[]> pending;

        PreAggregator(TopologySettings settings) {
            this.settings = settings;
        }

        @Override
        public void init(ProcessorContext<String, SpendDelta> context) {
            super.init(context);
            pending = new MirroredStore<>(context.<KeyValueStore<String, byte[]>>getStateStore(PENDING_STORE));
            context.schedule(settings.emitInterval(), PunctuationType.WALL_CLOCK_TIME, this::flush);
        }

        @Override
        public void process(Record<String, MeteredEvent> record) {
            MeteredEvent m = record.value();
            String key = SpendSlice.keyOf(m.event(), m.periodTime());
            pending.put(key, SpendSlice.add(pending.get(key), m));
        }

        private void flush(long now) {
            if (pending.isEmpty()) {
                return;
            }
            // in key order, as the store would list them, so where an overflowing sum splits does not vary
            Map<String, byte[]> entries = new TreeMap<>(pending.snapshot());
            SpendSlice.Accumulator sums = new SpendSlice.Accumulator();
            for (Map.Entry<String, byte[]> entry : entries.entrySet()) {
                if (!sums.tryAdd(entry.getKey(), entry.getValue())) {
                    // a sum would overflow: send what is summed so far, then sum on from this slice
                    forward(sums, now);
                    sums = new SpendSlice.Accumulator();
                    sums.tryAdd(entry.getKey(), entry.getValue());
                }
            }
            forward(sums, now);
            entries.keySet().forEach(pending::delete);
        }

        private void forward(SpendSlice.Accumulator sums, long now) {
            for (var delta : sums.deltas()) {
                context().forward(new Record<>(delta.getKey(), delta.getValue(),
                        TimeRule.notAhead(delta.getValue().eventTime(), now)));
            }
        }
    }

    private static final class SpendProcessor extends ContextualProcessor<String, SpendDelta, String, SpendTotal> {
        private static final List<PeriodType> CALENDAR = List.of(PeriodType.DAY, PeriodType.MONTH);
        private static final List<PeriodType> WITH_LIFETIME = List.of(PeriodType.DAY, PeriodType.MONTH, PeriodType.LIFETIME);

        private static final byte[] MARK = new byte[0];

        private final TopologySettings settings;
        private WriteThroughStore<String, SpendState> store;
        /**
         * Keys changed since the last emit. A logged store, not a field: commits are not aligned with the emit
         * punctuation, so a commit (or a clean shutdown, or a task moving to another instance) can come between
         * an update and its publication; the store carries the pending publication across it, in the same
         * transaction as the update.
         */
        private MirroredStore<String, byte[]> unpublished;
        private Calendars calendars;

        SpendProcessor(TopologySettings settings) {
            this.settings = settings;
        }

        @Override
        public void init(ProcessorContext<String, SpendTotal> context) {
            super.init(context);
            store = new WriteThroughStore<>(context.<KeyValueStore<String, SpendState>>getStateStore(SPEND_STORE),
                    DECODED_ENTRIES);
            unpublished = new MirroredStore<>(context.<KeyValueStore<String, byte[]>>getStateStore(UNPUBLISHED_STORE));
            calendars = MeteringTopology.calendars(context, settings);
            context.schedule(Duration.ofHours(1), PunctuationType.WALL_CLOCK_TIME, now -> expire());
            context.schedule(settings.emitInterval(), PunctuationType.WALL_CLOCK_TIME, this::emit);
        }

        @Override
        public void process(Record<String, SpendDelta> record) {
            Keys.Scope scope = Keys.parseScope(record.key());
            SpendDelta delta = record.value();
            // every period's new total first, so a sum that would overflow leaves them all as they were
            List<KeyValue<String, SpendState>> next = new ArrayList<>(3);
            for (PeriodType type : scope.type() == ScopeType.CONVERSATION ? WITH_LIFETIME : CALENDAR) {
                // the scope's calendar: its budget's zone for this period type, else its tenant's (as budget-alerts judges it)
                Calendar calendar = calendars.ofScope(scope.type(), scope.id(), delta.tenant(), type);
                Periods.Period period = calendar.period(type, delta.periodTime());
                String key = Keys.spend(scope.type(), scope.id(), period.key());
                SpendState current = store.get(key);
                next.add(KeyValue.pair(key, (current == null
                        ? SpendState.empty(scope.type(), scope.id(), period, calendar.zone().getId(), delta.tenant())
                        : current).add(delta)));
            }
            for (KeyValue<String, SpendState> total : next) {
                store.put(total.key, total.value);
                if (!unpublished.containsKey(total.key)) {
                    unpublished.put(total.key, MARK);
                }
            }
        }

        /** Publishes what changed since the last emit; runs inside the task's transaction like process(). */
        private void emit(long wallClock) {
            long now = settings.clock().millis();
            if (unpublished.isEmpty()) {
                return;
            }
            // in key order, as the store would list them
            for (String key : new TreeSet<>(unpublished.keys())) {
                SpendState state = store.get(key);
                if (state != null) {
                    context().forward(new Record<>(key, state.toAvro(now), TimeRule.notAhead(state.lastEventTime(), wallClock)));
                }
                unpublished.delete(key);
            }
        }

        private void expire() {
            long cutoff = settings.clock().millis() - settings.periodRetention().toMillis();
            List<String> expired = new ArrayList<>();
            try (KeyValueIterator<String, SpendState> it = store.store().all()) {
                while (it.hasNext()) {
                    KeyValue<String, SpendState> entry = it.next();
                    if (entry.value.endMillis() < cutoff) {
                        expired.add(entry.key);
                    }
                }
            }
            expired.forEach(store::delete);
        }
    }
}
