package io.tollgate.metering.topology;

import io.tollgate.metering.ingest.MeteredEvent;
import io.tollgate.metering.ingest.TimeRule;
import io.tollgate.metering.spend.LegacySlices;
import io.tollgate.metering.spend.SpendDelta;
import io.tollgate.metering.spend.SpendSlice;
import io.tollgate.metering.spend.SpendState;
import io.tollgate.metering.spend.SpendTargets;
import io.tollgate.metering.store.CommitHook;
import io.tollgate.metering.store.DeferredStore;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.SpendTotal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * Spend in integer micro-dollars per tenant, team, agent, sub-agent, API key and conversation, per DAY and MONTH in
 * the scope's calendar (the policy module's {@code Calendars.ofScope}: the scope's budget zone, else its tenant's, as
 * budget-alerts judges it; conversations also LIFETIME), reservations included until their RESPONSE settles them.
 * Input: accepted events, summed per {@link SpendSlice} (the events sharing every scope, the model and a quarter hour)
 * on the input partitioning until the task commits, then expanded into per (scope, tenant, quarter hour) sums and sent
 * on, re-keyed by scope ({@code team:acme}), through repartition topic {@value #REPARTITION} as compact {@link
 * SpendDelta}s: one record per changed scope and commit rather than six or seven per event. Stores: {@value
 * #SPEND_STORE} (key {@code team:acme@2026-11-21}, a {@link DeferredStore}), and the commit hooks {@value
 * #SLICES_HOOK} and {@value #PUBLISH_HOOK} ({@link CommitHook}); {@value LegacySlices#STORE} and {@value
 * LegacySlices#UNPUBLISHED_STORE} hold what a version before the commit hook left owed (slices not yet sent on, keys
 * not yet published), restored from their changelogs and drained at each task's first commit. Output: {@code
 * tollgate.spend.v1}, the latest total of every key that changed, once per commit: budgets need the current figure,
 * not each step to it, and one event touches ten or more spend keys.
 */
public final class SpendTopology {

    private static final Logger LOG = LoggerFactory.getLogger(SpendTopology.class);

    public static final String SPEND_STORE = "metering-spend";
    public static final String REPARTITION = "spend-by-scope";
    /** Sends the slices summed since the last commit on through {@value #REPARTITION}, at the commit. */
    public static final String SLICES_HOOK = "metering-spend-slices-commit";
    /** Publishes the totals changed since the last commit, at the commit. */
    public static final String PUBLISH_HOOK = "metering-spend-publish-commit";
    /** Totals held decoded per task: the (scope, period) keys being updated. */
    private static final int HELD_ENTRIES = 8_192;
    /** Scopes whose calendars, periods and spend keys a task keeps ({@link SpendTargets}). */
    private static final int KEPT_SCOPES = 8_192;

    private SpendTopology() {
    }

    public static void build(StreamsBuilder builder, KStream<String, MeteredEvent> events, TopologySettings settings) {
        builder.addStateStore(CommitHook.builder(SLICES_HOOK));
        builder.addStateStore(DeferredStore.builder(Stores.persistentKeyValueStore(SPEND_STORE), Serdes.String(),
                SpendState.serde(), HELD_ENTRIES));
        builder.addStateStore(CommitHook.builder(PUBLISH_HOOK));
        // what an older version left owed, restored from their changelogs and drained once
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(LegacySlices.STORE),
                Serdes.String(), Serdes.ByteArray()));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(LegacySlices.UNPUBLISHED_STORE),
                Serdes.String(), Serdes.ByteArray()));
        events.process(PreAggregator::new, Named.as("spend-pre-aggregate"), SLICES_HOOK, LegacySlices.STORE)
                .repartition(Repartitioned.<String, SpendDelta>as(REPARTITION)
                        .withKeySerde(Serdes.String()).withValueSerde(SpendDelta.serde()))
                .process(() -> new SpendProcessor(settings), Named.as("spend"), SPEND_STORE, PUBLISH_HOOK,
                        LegacySlices.UNPUBLISHED_STORE)
                .to(Topics.SPEND, Produced.with(Serdes.String(), settings.topics().spend().valueSerde())
                        .withName("spend-sink"));
    }

    /**
     * Sums the events processed since the last commit per {@link SpendSlice} (tenant, quarter hour, team, agent, key,
     * conversation, sub-agent, model: one hash lookup per event), and at the commit expands the slices into their
     * scopes and forwards one summed delta per (scope, tenant, quarter hour), in the transaction being committed
     * ({@link CommitHook}): the sums need no store, as the records they come from are processed again if that
     * transaction aborts. The sums live in a field emptied by {@code init()}, which a revived task runs again.
     */
    private static final class PreAggregator extends ContextualProcessor<String, MeteredEvent, String, SpendDelta> {
        /** In the order the slices first came: the same records processed again are forwarded the same way. */
        private final Map<SpendSlice.Key, SpendSlice.Sums> pending = new LinkedHashMap<>();
        private KeyValueStore<String, byte[]> legacy;
        private boolean legacyDrained;

        @Override
        public void init(ProcessorContext<String, SpendDelta> context) {
            super.init(context);
            pending.clear();
            legacy = context.getStateStore(LegacySlices.STORE);
            legacyDrained = false;
            CommitHook.register(context, SLICES_HOOK, this::flush);
        }

        @Override
        public void process(Record<String, MeteredEvent> record) {
            MeteredEvent m = record.value();
            // one lookup: a new slice's sums start at 0, which no one event's figures overflow, so an event that
            // overflows (and throws) always finds its slice made before and leaves it as it was
            pending.computeIfAbsent(SpendSlice.Key.of(m.event(), m.periodTime()), key -> new SpendSlice.Sums()).add(m);
        }

        private void flush(long now) {
            List<Map.Entry<SpendSlice.Key, SpendSlice.Sums>> left = legacyDrained ? List.of() : drainLegacy();
            legacyDrained = true;
            if (pending.isEmpty() && left.isEmpty()) {
                return;
            }
            SpendSlice.Accumulator sums = new SpendSlice.Accumulator();
            for (Map.Entry<SpendSlice.Key, SpendSlice.Sums> slice : left) {
                sums = add(sums, slice.getKey(), slice.getValue(), now);
            }
            for (Map.Entry<SpendSlice.Key, SpendSlice.Sums> slice : pending.entrySet()) {
                sums = add(sums, slice.getKey(), slice.getValue(), now);
            }
            forward(sums, now);
            pending.clear();
        }

        /** Adds a slice to {@code sums}, or, if a sum would overflow, sends what is summed so far and sums on from it. */
        private SpendSlice.Accumulator add(SpendSlice.Accumulator sums, SpendSlice.Key key, SpendSlice.Sums slice,
                                           long now) {
            if (sums.tryAdd(key, slice)) {
                return sums;
            }
            forward(sums, now);
            SpendSlice.Accumulator next = new SpendSlice.Accumulator();
            next.tryAdd(key, slice);
            return next;
        }

        /**
         * The slices an older version left in its logged pending store, deleted there in this transaction, which
         * sends them on; one it cannot read is logged and left in the store.
         */
        private List<Map.Entry<SpendSlice.Key, SpendSlice.Sums>> drainLegacy() {
            List<Map.Entry<SpendSlice.Key, SpendSlice.Sums>> out = new ArrayList<>();
            List<KeyValue<String, byte[]>> left = new ArrayList<>();
            try (KeyValueIterator<String, byte[]> it = legacy.all()) {
                it.forEachRemaining(left::add);
            }
            for (KeyValue<String, byte[]> entry : left) {
                try {
                    out.add(Map.entry(LegacySlices.key(entry.key), LegacySlices.sums(entry.value)));
                    legacy.delete(entry.key);
                } catch (IllegalArgumentException unreadable) {
                    LOG.error("pending spend slice '{}' left by an older version is unreadable and stays in {}: {}",
                            entry.key, LegacySlices.STORE, unreadable.getMessage());
                }
            }
            if (!out.isEmpty()) {
                LOG.info("sending on {} spend slices an older version left pending", out.size());
            }
            return out;
        }

        private void forward(SpendSlice.Accumulator sums, long now) {
            for (var delta : sums.deltas()) {
                context().forward(new Record<>(delta.getKey(), delta.getValue(),
                        TimeRule.notAhead(delta.getValue().eventTime(), now)));
            }
        }
    }

    private static final class SpendProcessor extends ContextualProcessor<String, SpendDelta, String, SpendTotal> {
        private final TopologySettings settings;
        private KeyValueStore<String, SpendState> store;
        /** Keys changed since the last commit, in the order they first changed; published at the commit. */
        private final Set<String> unpublished = new LinkedHashSet<>();
        private KeyValueStore<String, byte[]> legacyUnpublished;
        private boolean legacyDrained;
        private SpendTargets targets;

        SpendProcessor(TopologySettings settings) {
            this.settings = settings;
        }

        @Override
        public void init(ProcessorContext<String, SpendTotal> context) {
            super.init(context);
            store = context.getStateStore(SPEND_STORE);
            unpublished.clear();
            legacyUnpublished = context.getStateStore(LegacySlices.UNPUBLISHED_STORE);
            legacyDrained = false;
            targets = new SpendTargets(MeteringTopology.calendars(context, settings), settings.policyChanges()::get,
                    KEPT_SCOPES);
            context.schedule(Duration.ofHours(1), PunctuationType.WALL_CLOCK_TIME, now -> expire());
            CommitHook.register(context, PUBLISH_HOOK, this::publish);
        }

        @Override
        public void process(Record<String, SpendDelta> record) {
            SpendDelta delta = record.value();
            List<SpendTargets.Target> targets = this.targets.of(record.key(), delta.tenant(), delta.periodTime());
            // every period's new total first, so a sum that would overflow leaves them all as they were
            SpendState[] next = new SpendState[targets.size()];
            for (int i = 0; i < next.length; i++) {
                SpendTargets.Target target = targets.get(i);
                SpendState current = store.get(target.key());
                next[i] = (current == null ? SpendState.empty(target.scopeType(), target.scopeId(), target.period(),
                        target.calendar().zone().getId(), delta.tenant()) : current).add(delta);
            }
            for (int i = 0; i < next.length; i++) {
                String key = targets.get(i).key();
                store.put(key, next[i]);
                unpublished.add(key);
            }
        }

        /** Publishes what changed since the last commit, in the transaction being committed. */
        private void publish(long wallClock) {
            if (!legacyDrained) {
                // keys an older version had not yet published: published now, deleted there in this transaction
                List<String> left = new ArrayList<>();
                try (KeyValueIterator<String, byte[]> it = legacyUnpublished.all()) {
                    it.forEachRemaining(entry -> left.add(entry.key));
                }
                left.forEach(key -> {
                    unpublished.add(key);
                    legacyUnpublished.delete(key);
                });
                legacyDrained = true;
            }
            if (unpublished.isEmpty()) {
                return;
            }
            long now = settings.clock().millis();
            for (String key : unpublished) {
                SpendState state = store.get(key);
                if (state != null) {
                    context().forward(new Record<>(key, state.toAvro(now), TimeRule.notAhead(state.lastEventTime(), wallClock)));
                }
            }
            unpublished.clear();
        }

        private void expire() {
            long cutoff = settings.clock().millis() - settings.periodRetention().toMillis();
            List<String> expired = new ArrayList<>();
            try (KeyValueIterator<String, SpendState> it = store.all()) {
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
