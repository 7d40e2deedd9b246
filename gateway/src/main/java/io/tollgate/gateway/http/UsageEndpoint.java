package io.tollgate.gateway.http;

import io.javalin.http.Context;
import io.tollgate.gateway.admission.QuotaSnapshot;
import io.tollgate.gateway.admission.QuotaView;
import io.tollgate.gateway.auth.KeyRecord;
import io.tollgate.policy.calendar.Calendar;
import io.tollgate.policy.calendar.Calendars;
import io.tollgate.policy.limits.LimitResolver;
import io.tollgate.policy.limits.RateLimits;
import io.tollgate.policy.scope.Keys;
import io.tollgate.policy.window.TrailingWindow;
import io.tollgate.schemas.avro.PeriodType;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * {@code GET /v1/usage} on the agents' listener: the calling key's own usage and what is left of its
 * limits, and nothing about any other key. Per model the key has used (and always {@code "*"}, across
 * models; {@code ?model=<id>} adds that model): today's requests and tokens with the daily limits and what
 * remains, and the trailing minute's with the per-minute limits and what remains. A null limit is
 * unlimited, and so is its remainder.
 *
 * <p>The figures are the quota view's: what metering-stream has counted, as of {@code as_of}. Admission
 * also counts this gateway's own calls the view has not counted yet, so right after a burst it may see
 * slightly more than this endpoint shows.
 */
public final class UsageEndpoint {

    /** What one key has been counted for with one model ({@link Keys#ALL_MODELS}: across models). */
    public record Counted(long minuteRequests, long minuteTokens, String day, long dayRequests, long dayTokens,
                          long asOf) {
    }

    /** Where the endpoint reads counts and limits; the control plane's quota view and limit resolver. */
    public interface Source {

        /** Counts of {@code keyId} by model at {@code nowMillis}; models without counts may be absent. */
        Map<String, Counted> counted(String keyId, long nowMillis);

        /** The key's limits for {@code model}; for {@link Keys#ALL_MODELS} the limits across models. */
        RateLimits limits(String keyId, String model);

        /** The tenant's calendar day of {@code nowMillis}, for a model the source has no counts of. */
        String day(String tenant, long nowMillis);

        /** A gateway without a control plane: no counts, no limits. */
        static Source none() {
            return new Source() {
                @Override
                public Map<String, Counted> counted(String keyId, long nowMillis) {
                    return Map.of();
                }

                @Override
                public RateLimits limits(String keyId, String model) {
                    return RateLimits.NONE;
                }

                @Override
                public String day(String tenant, long nowMillis) {
                    return Calendar.UTC.period(PeriodType.DAY, nowMillis).key();
                }
            };
        }

        /** Reads {@code view} (the trailing minute of {@link TrailingWindow}), {@code limits} and {@code calendars}. */
        static Source of(QuotaView view, LimitResolver limits, Calendars calendars) {
            return new Source() {
                @Override
                public Map<String, Counted> counted(String keyId, long nowMillis) {
                    Map<String, Counted> out = new TreeMap<>();
                    view.snapshotsOf(keyId).forEach((model, s) -> out.put(model, counts(s, nowMillis)));
                    return out;
                }

                private Counted counts(QuotaSnapshot s, long now) {
                    long requests = 0;
                    long tokens = 0;
                    for (int i = 0; i < s.bucketStarts().length; i++) {
                        long start = s.bucketStarts()[i];
                        if (TrailingWindow.counts(start, now)) {
                            requests += s.bucketRequests()[i];
                            tokens += s.bucketTokens()[i];
                        }
                    }
                    boolean today = now >= s.dayStartMillis() && now < s.dayEndMillis();
                    return today ? new Counted(requests, tokens, s.dayKey(), s.dayRequests(), s.dayTokens(), s.updatedAt())
                            : new Counted(requests, tokens, null, 0, 0, s.updatedAt());
                }

                @Override
                public RateLimits limits(String keyId, String model) {
                    var effective = limits.limitsFor(keyId, model);
                    return Keys.ALL_MODELS.equals(model) ? effective.acrossModels() : effective.perModel();
                }

                @Override
                public String day(String tenant, long nowMillis) {
                    return calendars.ofTenant(tenant).period(PeriodType.DAY, nowMillis).key();
                }
            };
        }
    }

    private final Source source;
    private final LongSupplier clock;

    public UsageEndpoint(Source source, LongSupplier clock) {
        this.source = source;
        this.clock = clock;
    }

    /** Answers for the key the request authenticated with. */
    void handle(Context ctx, KeyRecord key) {
        ctx.header("Cache-Control", "no-store").json(usage(key, ctx.queryParam("model"), clock.getAsLong()));
    }

    Map<String, Object> usage(KeyRecord key, String model, long now) {
        Map<String, Counted> counted = new TreeMap<>(source.counted(key.keyId(), now));
        counted.putIfAbsent(Keys.ALL_MODELS, null);
        if (model != null && !model.isBlank()) {
            counted.putIfAbsent(model, null);
        }
        List<Map<String, Object>> data = new ArrayList<>();
        counted.forEach((m, c) -> data.add(entry(key, m, c, now)));
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("object", "usage");
        out.put("key_id", key.keyId());
        out.put("tenant", key.tenant());
        out.put("team", key.team());
        out.put("agent", key.agent());
        out.put("tier", key.tier());
        out.put("at", now);
        out.put("data", data);
        return out;
    }

    private Map<String, Object> entry(KeyRecord key, String model, Counted counted, long now) {
        Counted c = counted != null && counted.day() != null ? counted
                : new Counted(counted == null ? 0 : counted.minuteRequests(), counted == null ? 0 : counted.minuteTokens(),
                        source.day(key.tenant(), now), 0, 0, counted == null ? 0 : counted.asOf());
        RateLimits limits = source.limits(key.keyId(), model);
        Map<String, Object> today = window(c.dayRequests(), c.dayTokens(), limits.requestsPerDay(), limits.tokensPerDay());
        Map<String, Object> withDay = new LinkedHashMap<>();
        withDay.put("day", c.day());
        withDay.putAll(today);
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("model", model);
        entry.put("as_of", counted == null ? null : c.asOf());
        entry.put("today", withDay);
        entry.put("minute", window(c.minuteRequests(), c.minuteTokens(), limits.requestsPerMinute(),
                limits.tokensPerMinute()));
        return entry;
    }

    private static Map<String, Object> window(long requests, long tokens, Long requestLimit, Long tokenLimit) {
        Map<String, Object> w = new LinkedHashMap<>();
        w.put("requests", requests);
        w.put("tokens", tokens);
        w.put("limit_requests", requestLimit);
        w.put("limit_tokens", tokenLimit);
        w.put("remaining_requests", requestLimit == null ? null : Math.max(0, requestLimit - requests));
        w.put("remaining_tokens", tokenLimit == null ? null : Math.max(0, tokenLimit - tokens));
        return w;
    }
}
