package io.tollgate.metering.query;

import io.tollgate.metering.calls.CallLog;
import io.tollgate.metering.calls.CallRecord;
import io.tollgate.metering.daily.DayTotals;
import io.tollgate.metering.health.HealthState;
import io.tollgate.metering.rates.Buckets;
import io.tollgate.metering.policy.StorePolicies;
import io.tollgate.metering.rates.RateWindow;
import io.tollgate.metering.spend.SpendState;
import io.tollgate.metering.topology.DailyQuotaTopology;
import io.tollgate.metering.topology.IngestTopology;
import io.tollgate.metering.topology.ModelHealthTopology;
import io.tollgate.metering.topology.PolicyTopology;
import io.tollgate.metering.topology.RatesTopology;
import io.tollgate.metering.topology.SpendTopology;
import io.tollgate.policy.calendar.Calendar;
import io.tollgate.policy.calendar.Calendars;
import io.tollgate.policy.calendar.Periods;
import io.tollgate.policy.limits.EffectiveLimits;
import io.tollgate.policy.limits.LimitResolver;
import io.tollgate.policy.limits.RateLimits;
import io.tollgate.policy.scope.Keys;
import io.tollgate.schemas.avro.Policy;
import io.tollgate.schemas.avro.ModelHealth;
import io.tollgate.schemas.avro.PeriodType;
import io.tollgate.schemas.avro.ScopeType;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyWindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/** Answers from the stores this instance hosts; routing to the owner happens before these are called. */
public final class LocalQueries {

    private final KafkaStreams streams;
    private final ZoneId zone;
    private final int resetHour;
    private final boolean copies;
    private final Deserializer<Policy> policyDeserializer;

    /** @param zone and {@code resetHour}: the configured calendar, when no policy record names one */
    public LocalQueries(KafkaStreams streams, ZoneId zone, int resetHour, Deserializer<Policy> policyDeserializer) {
        this(streams, zone, resetHour, false, policyDeserializer);
    }

    private LocalQueries(KafkaStreams streams, ZoneId zone, int resetHour, boolean copies,
                         Deserializer<Policy> policyDeserializer) {
        this.streams = streams;
        this.zone = zone;
        this.resetHour = resetHour;
        this.copies = copies;
        this.policyDeserializer = policyDeserializer;
    }

    /**
     * The same queries over every local copy of the stores (standby replicas included, and active tasks while the
     * group rebalances); the caller makes sure the copy it needs has caught up with its changelog.
     */
    public LocalQueries fromCopies() {
        return new LocalQueries(streams, zone, resetHour, true, policyDeserializer);
    }

    private <T> StoreQueryParameters<T> parameters(String name, org.apache.kafka.streams.state.QueryableStoreType<T> type) {
        StoreQueryParameters<T> p = StoreQueryParameters.fromNameAndType(name, type);
        return copies ? p.enableStaleStores() : p;
    }

    private <V> ReadOnlyKeyValueStore<String, V> store(String name) {
        return streams.store(parameters(name, QueryableStoreTypes.<String, V>keyValueStore()));
    }

    private Buckets buckets(String apiKeyId, String model) {
        Buckets b = this.<Buckets>store(RatesTopology.RATES_STORE).get(Keys.quota(apiKeyId, model));
        return b == null ? Buckets.EMPTY : b;
    }

    public QueryViews.Rate rate(String apiKeyId, String model, long now) {
        RateWindow.Usage u = RateWindow.usage(buckets(apiKeyId, model), now);
        return new QueryViews.Rate(apiKeyId, model, now, u.oldestBucket(), u.requests(), u.tokens());
    }

    /**
     * When a request of {@code tokens} tokens would fit. Each limit not given is the key's own for the model, as the
     * gateway's admission resolves it ({@link LimitResolver}); for a model both its own limits and the key's limits
     * across models apply, and the later of the two times is the answer.
     */
    public QueryViews.Wait waitTime(String apiKeyId, String model, long now, long tokens, Long rpm, Long tpm,
                                    Long rpd, Long tpd) {
        EffectiveLimits limits = new LimitResolver(policies()).limitsFor(apiKeyId, model);
        RateLimits own = Keys.ALL_MODELS.equals(model) ? limits.acrossModels() : limits.perModel();
        Long effectiveRpm = rpm != null ? rpm : own.requestsPerMinute();
        Long effectiveTpm = tpm != null ? tpm : own.tokensPerMinute();
        Long effectiveRpd = rpd != null ? rpd : own.requestsPerDay();
        Long effectiveTpd = tpd != null ? tpd : own.tokensPerDay();
        RateWindow.Wait modelWait = wait(apiKeyId, model, now, tokens, effectiveRpm, effectiveTpm, effectiveRpd, effectiveTpd);
        RateWindow.Wait result = modelWait;
        if (!Keys.ALL_MODELS.equals(model) && !limits.acrossModels().unlimited()) {
            RateLimits across = limits.acrossModels();
            RateWindow.Wait acrossWait = wait(apiKeyId, Keys.ALL_MODELS, now, tokens, across.requestsPerMinute(),
                    across.tokensPerMinute(), across.requestsPerDay(), across.tokensPerDay());
            if (!acrossWait.fits() || (modelWait.fits() && acrossWait.waitMillis() > modelWait.waitMillis())) {
                result = acrossWait;
            }
        }
        return new QueryViews.Wait(apiKeyId, model, now, tokens, effectiveRpm, effectiveTpm, effectiveRpd, effectiveTpd,
                result.fits(), result.waitMillis(), result.waitMillis() / 1000.0, result.reason());
    }

    private RateWindow.Wait wait(String apiKeyId, String model, long now, long tokens, Long rpm, Long tpm, Long rpd,
                                 Long tpd) {
        RateWindow.Wait minute = RateWindow.waitTime(buckets(apiKeyId, model), now, tokens, rpm, tpm);
        RateWindow.Wait result = minute;
        if (rpd != null || tpd != null) {
            QueryViews.Day day = day(apiKeyId, model, null, now);
            if (tpd != null && tokens > tpd) {
                result = new RateWindow.Wait(false, 0, "request of " + tokens + " tokens exceeds the tpd limit " + tpd);
            } else if ((rpd != null && day.requests() + 1 > rpd) || (tpd != null && day.tokens() + tokens > tpd)) {
                result = new RateWindow.Wait(minute.fits(), Math.max(minute.waitMillis(), day.endMillis() - now),
                        "daily limit reached; fits when day " + day.day() + " ends");
            }
        }
        return result;
    }

    /** The global policy store, read by the policy module's rules. */
    private StorePolicies policies() {
        return new StorePolicies(streams.store(StoreQueryParameters.fromNameAndType(PolicyTopology.POLICY_STORE,
                QueryableStoreTypes.<String, byte[]>keyValueStore())), policyDeserializer);
    }

    /** One day's totals: {@code day} given, or the stored day containing {@code now} (zero if none yet). */
    public QueryViews.Day day(String apiKeyId, String model, String day, long now) {
        String quota = Keys.quota(apiKeyId, model);
        ReadOnlyKeyValueStore<String, DayTotals> store = store(DailyQuotaTopology.DAILY_STORE);
        DayTotals totals = null;
        if (day != null) {
            totals = store.get(DailyQuotaTopology.dayKey(quota, day));
        } else {
            try (KeyValueIterator<String, DayTotals> it = store.prefixScan(quota + '@', Serdes.String().serializer())) {
                while (it.hasNext()) {
                    DayTotals d = it.next().value;
                    if (now >= d.startMillis() && now < d.endMillis()) {
                        totals = d;
                    }
                }
            }
        }
        if (totals == null) {
            // nothing counted yet: the day of the key's tenant's calendar
            StorePolicies policies = policies();
            String tenant = policies.key(apiKeyId).map(k -> k.getTenant()).orElse(null);
            Periods.Period p = new Calendars(policies, new Calendar(zone, resetHour)).ofTenant(tenant)
                    .period(PeriodType.DAY, now);
            String key = day == null ? p.key() : day;
            return new QueryViews.Day(apiKeyId, model, key, day == null ? p.startMillis() : 0, day == null ? p.endMillis() : 0, 0, 0);
        }
        return new QueryViews.Day(apiKeyId, model, totals.dayKey(), totals.startMillis(), totals.endMillis(),
                totals.requests(), totals.tokens());
    }

    /** Spend of a scope: the given period key, or the period of {@code type} containing {@code now}. */
    public Optional<QueryViews.Spend> spend(ScopeType type, String id, PeriodType period, String periodKey, long now) {
        ReadOnlyKeyValueStore<String, SpendState> store = store(SpendTopology.SPEND_STORE);
        if (periodKey != null) {
            return Optional.ofNullable(store.get(Keys.spend(type, id, periodKey))).map(LocalQueries::view);
        }
        try (KeyValueIterator<String, SpendState> it = store.prefixScan(Keys.scope(type, id) + '@',
                Serdes.String().serializer())) {
            while (it.hasNext()) {
                SpendState s = it.next().value;
                if (s.period() == period && now >= s.startMillis() && now < s.endMillis()) {
                    return Optional.of(view(s));
                }
            }
        }
        return Optional.empty();
    }

    /** A call of a key as metered, or empty when this instance knows no such call (within the calls retention). */
    public Optional<QueryViews.Call> call(String apiKeyId, String callId) {
        ReadOnlyWindowStore<String, CallRecord> store = streams.store(parameters(IngestTopology.CALLS_STORE,
                QueryableStoreTypes.<String, CallRecord>windowStore()));
        List<CallRecord> entries = new ArrayList<>();
        try (WindowStoreIterator<CallRecord> it = store.fetch(CallLog.key(apiKeyId, callId), Instant.EPOCH,
                Instant.ofEpochMilli(Long.MAX_VALUE))) {
            it.forEachRemaining(kv -> entries.add(kv.value));
        }
        return Optional.ofNullable(CallLog.fold(entries)).map(LocalQueries::view);
    }

    static QueryViews.Call view(CallRecord call) {
        List<QueryViews.CallAttempt> attempts = call.attempts().stream().map(a -> new QueryViews.CallAttempt(
                a.attempt(), a.model(), a.status().name(), a.countedPromptTokens(), a.countedCachedPromptTokens(),
                a.countedCompletionTokens(), a.countedPromptTokens() + a.countedCompletionTokens(),
                a.countedCostMicros())).toList();
        return new QueryViews.Call(call.callId(), call.apiKeyId(), call.costMicros(), call.reservedCostMicros(),
                call.inFlight(), attempts);
    }

    /** The newest {@code windows} windows of one model, newest first. */
    public List<QueryViews.Health> health(String model, int windows) {
        List<QueryViews.Health> out = new ArrayList<>();
        try (KeyValueIterator<String, HealthState> it = this.<HealthState>store(ModelHealthTopology.HEALTH_STORE)
                .prefixScan(model + '@', Serdes.String().serializer())) {
            while (it.hasNext()) {
                HealthState h = it.next().value;
                if (h.model().equals(model)) {
                    out.add(view(h.toAvro(0)));
                }
            }
        }
        out.sort(Comparator.comparingLong(QueryViews.Health::windowStartMillis).reversed());
        return out.subList(0, Math.min(windows, out.size()));
    }

    /** The newest window of every model hosted here. */
    public List<QueryViews.Health> latestHealth() {
        Map<String, HealthState> latest = new LinkedHashMap<>();
        try (KeyValueIterator<String, HealthState> it = this.<HealthState>store(ModelHealthTopology.HEALTH_STORE).all()) {
            while (it.hasNext()) {
                KeyValue<String, HealthState> kv = it.next();
                latest.merge(kv.value.model(), kv.value, (a, b) -> a.windowStart() >= b.windowStart() ? a : b);
            }
        }
        return latest.values().stream().map(h -> view(h.toAvro(0))).toList();
    }

    private static QueryViews.Spend view(SpendState s) {
        return new QueryViews.Spend(Keys.scope(s.scopeType(), s.scopeId()), s.scopeType().name(), s.scopeId(),
                s.period().name(), s.periodKey(), s.startMillis(), s.endMillis(), s.zone(), s.costMicros(),
                s.inFlightMicros(), s.requests(), s.promptTokens(), s.completionTokens(), s.costByModel(),
                s.costByAgent(), s.lastEventTime(), s.notes().abandonedCalls(), s.notes().abandonedMicros(),
                s.notes().orphanResponses(), s.notes().lateReassigned(), s.notes().clampedEvents());
    }

    static QueryViews.Health view(ModelHealth h) {
        return new QueryViews.Health(h.getModel(), h.getWindowStartMillis(), h.getWindowEndMillis(), h.getCalls(),
                h.getSuccesses(), h.getErrorsRateLimited(), h.getErrorsTimeout(), h.getErrorsUpstream5xx(),
                h.getErrorsBadRequest(), h.getErrorsOther(), h.getFallbacks(), h.getCompletionTokens(),
                h.getTokensPerSecond(), h.getLatencyP50Ms(), h.getLatencyP95Ms(), h.getLatencyP99Ms());
    }
}
