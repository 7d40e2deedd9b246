package io.tollgate.metering.topology;

import io.tollgate.metering.daily.DayTotals;
import io.tollgate.metering.ingest.MeteredEvent;
import io.tollgate.metering.policy.TenantCalendars;
import io.tollgate.metering.store.DeferredStore;
import io.tollgate.metering.store.JoinedKeys;
import io.tollgate.policy.calendar.RecentPeriods;
import io.tollgate.policy.calendar.Periods;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * Requests and tokens per calendar day (tenant zone and reset hour; 23- and 25-hour days included) per (key, model)
 * and (key, *). A RESPONSE counts in its REQUEST's day, so a call across the reset hour settles where it reserved.
 * Input: accepted events keyed by API-key id. Store: {@value #DAILY_STORE} (key {@code <apiKeyId>|<model>@<day>}, a
 * {@link DeferredStore}: written once per changed key and commit; days that ended longer than the period retention ago
 * are removed hourly). Output: the same events with the totals just written ({@link QuotaUpdate}).
 */
public final class DailyQuotaTopology {

    public static final String DAILY_STORE = "metering-daily-totals";
    /** Day totals held decoded per task: today's (key, model) pairs. */
    private static final int HELD_ENTRIES = 8_192;

    private DailyQuotaTopology() {
    }

    /** Store key of one day of one quota key. */
    public static String dayKey(String quotaKey, String day) {
        return quotaKey + '@' + day;
    }

    public static KStream<String, QuotaUpdate> build(StreamsBuilder builder, KStream<String, QuotaUpdate> events,
                                                     TopologySettings settings) {
        builder.addStateStore(DeferredStore.builder(Stores.persistentKeyValueStore(DAILY_STORE), Serdes.String(),
                DayTotals.serde(), HELD_ENTRIES));
        return events.process(() -> new ContextualProcessor<String, QuotaUpdate, String, QuotaUpdate>() {
            private KeyValueStore<String, DayTotals> store;
            private TenantCalendars calendars;
            private final RecentPeriods periods = new RecentPeriods();
            private final JoinedKeys dayKeys = new JoinedKeys(HELD_ENTRIES * 4, DailyQuotaTopology::dayKey);

            @Override
            public void init(ProcessorContext<String, QuotaUpdate> context) {
                super.init(context);
                store = context.getStateStore(DAILY_STORE);
                calendars = MeteringTopology.tenantCalendars(context, settings);
                context.schedule(Duration.ofHours(1), PunctuationType.WALL_CLOCK_TIME, now -> expire());
            }

            @Override
            public void process(Record<String, QuotaUpdate> record) {
                MeteredEvent m = record.value().event();
                Periods.Period day = periods.of(calendars.of(m.event().getTenant()),
                        io.tollgate.schemas.avro.PeriodType.DAY, m.periodTime());
                DayTotals[] next = new DayTotals[2];
                String[] quotas = {record.value().modelKey(), record.value().allKey()};
                String[] keys = new String[2];
                for (int i = 0; i < 2; i++) {
                    keys[i] = dayKeys.of(quotas[i], day.key());
                    DayTotals current = store.get(keys[i]);
                    if (current == null) {
                        current = new DayTotals(day.key(), day.startMillis(), day.endMillis(), 0, 0);
                    }
                    next[i] = current.add(m.requestDelta(), m.tokenDelta());
                }
                // both computed before either is written: an overflow leaves the store as it was
                store.put(keys[0], next[0]);
                store.put(keys[1], next[1]);
                context().forward(record.withValue(record.value().withDays(next[0], next[1])));
            }

            private void expire() {
                long cutoff = settings.clock().millis() - settings.periodRetention().toMillis();
                List<String> expired = new ArrayList<>();
                try (KeyValueIterator<String, DayTotals> it = store.all()) {
                    while (it.hasNext()) {
                        KeyValue<String, DayTotals> entry = it.next();
                        if (entry.value.endMillis() < cutoff) {
                            expired.add(entry.key);
                        }
                    }
                }
                expired.forEach(store::delete);
            }
        }, Named.as("daily-quota"), DAILY_STORE);
    }
}
