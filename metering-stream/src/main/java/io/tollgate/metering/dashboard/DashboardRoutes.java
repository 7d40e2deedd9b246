package io.tollgate.metering.dashboard;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.tollgate.metering.query.InstanceRouter;
import io.tollgate.metering.query.QueryServer;
import io.tollgate.metering.query.QueryViews;
import io.tollgate.metering.rates.Buckets;
import io.tollgate.metering.topology.RatesTopology;
import io.tollgate.metering.topology.SpendTopology;
import io.tollgate.policy.scope.Keys;
import io.tollgate.schemas.avro.BudgetAlert;
import io.tollgate.schemas.avro.BudgetPolicy;
import io.tollgate.schemas.avro.PeriodType;
import io.tollgate.schemas.avro.ScopeType;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * The web dashboard at {@code /dashboard} (static page, vanilla JS, inline SVG) and the listing routes it
 * needs beside the interactive-query API: {@code /dashboard/api/rates} (every active key and model),
 * {@code /dashboard/api/budgets} (budget policies with their spend) and {@code /dashboard/api/alerts}.
 * Numbers come from the same {@code LocalQueries} facade and owner routing as {@code /v1/...}, so they are
 * the API's numbers. Model health is read by the page from {@code /v1/model-health} directly.
 */
public final class DashboardRoutes {

    static final String RATES_PATH = "/dashboard/api/rates";
    private static final Map<String, String> ASSETS = Map.of(
            "index.html", "text/html; charset=utf-8",
            "dashboard.js", "text/javascript; charset=utf-8",
            "dashboard.css", "text/css; charset=utf-8");

    private final ObjectMapper json = new ObjectMapper();
    private final Supplier<QueryServer.Backend> backend;
    private final Clock clock;
    private final DashboardFeed feed;

    private DashboardRoutes(Supplier<QueryServer.Backend> backend, Clock clock, DashboardFeed feed) {
        this.backend = backend;
        this.clock = clock;
        this.feed = feed;
    }

    /**
     * Adds the dashboard's routes. {@code backend} answers null until Kafka Streams exists (the routes then
     * answer 503 like the API); {@code feed} may be null (no budgets or alerts, reported as not following).
     */
    public static void register(RoutesConfig routes, Supplier<QueryServer.Backend> backend, Clock clock,
                                DashboardFeed feed) {
        DashboardRoutes d = new DashboardRoutes(backend, clock, feed);
        Map<String, byte[]> assets = new java.util.HashMap<>();
        ASSETS.keySet().forEach(name -> assets.put(name, resource(name)));
        routes.get("/dashboard", ctx -> asset(ctx, "index.html", assets));
        routes.get("/dashboard/", ctx -> asset(ctx, "index.html", assets));
        routes.get("/dashboard/dashboard.js", ctx -> asset(ctx, "dashboard.js", assets));
        routes.get("/dashboard/dashboard.css", ctx -> asset(ctx, "dashboard.css", assets));
        routes.get(RATES_PATH, d::rates);
        routes.get("/dashboard/api/budgets", d::budgets);
        routes.get("/dashboard/api/alerts", d::alerts);
        routes.exception(BadParameter.class, (e, ctx) ->
                ctx.status(400).json(new QueryViews.Error(400, e.getMessage())));
    }

    private static byte[] resource(String name) {
        try (InputStream in = DashboardRoutes.class.getResourceAsStream("/dashboard/" + name)) {
            if (in == null) {
                throw new IllegalStateException("dashboard asset /dashboard/" + name + " is missing from the classpath");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read dashboard asset " + name, e);
        }
    }

    private static void asset(Context ctx, String name, Map<String, byte[]> assets) {
        ctx.header("Cache-Control", "no-store").contentType(ASSETS.get(name)).result(assets.get(name));
    }

    private QueryServer.Backend backend() {
        QueryServer.Backend b = backend.get();
        if (b == null) {
            throw new InstanceRouter.Unavailable("metering is starting");
        }
        return b;
    }

    private void rates(Context ctx) {
        long at = at(ctx);
        QueryServer.Backend b = backend();
        List<QueryViews.Rate> out = new ArrayList<>(localRates(b, at));
        if (ctx.header(InstanceRouter.FORWARDED_HEADER) == null) {
            for (HostInfo other : b.router().others(RatesTopology.RATES_STORE)) {
                InstanceRouter.Relayed r = b.router().forward(other, RATES_PATH + "?at=" + at);
                if (r.status() != 200) {
                    throw new InstanceRouter.Unavailable("instance " + other + " answered " + r.status() + " to " + RATES_PATH);
                }
                out.addAll(read(other, r.body(), new TypeReference<DashboardViews.Rates>() { }).rates());
            }
        }
        out.sort(Comparator.comparing(QueryViews.Rate::apiKeyId).thenComparing(QueryViews.Rate::model));
        ctx.header("Cache-Control", "no-store").json(new DashboardViews.Rates(at, out));
    }

    /** Per-model entries of the keys hosted here with anything in the trailing minute; "*" totals left out. */
    private static List<QueryViews.Rate> localRates(QueryServer.Backend b, long at) {
        ReadOnlyKeyValueStore<String, Buckets> store = b.streams().store(StoreQueryParameters.fromNameAndType(
                RatesTopology.RATES_STORE, QueryableStoreTypes.<String, Buckets>keyValueStore()));
        List<QueryViews.Rate> out = new ArrayList<>();
        try (KeyValueIterator<String, Buckets> it = store.all()) {
            while (it.hasNext()) {
                String quotaKey = it.next().key;
                int bar = quotaKey.lastIndexOf('|');
                if (bar <= 0) {
                    continue;
                }
                String model = quotaKey.substring(bar + 1);
                if (model.equals(Keys.ALL_MODELS)) {
                    continue;
                }
                QueryViews.Rate rate = b.local().rate(quotaKey.substring(0, bar), model, at);
                if (rate.requestsPerMinute() != 0 || rate.tokensPerMinute() != 0) {
                    out.add(rate);
                }
            }
        }
        return out;
    }

    private void budgets(Context ctx) {
        long at = at(ctx);
        List<DashboardViews.Budget> out = new ArrayList<>();
        if (feed != null) {
            QueryServer.Backend b = feed.budgets().isEmpty() ? null : backend();
            for (Map.Entry<String, BudgetPolicy> e : feed.budgets().entrySet()) {
                BudgetPolicy p = e.getValue();
                out.add(new DashboardViews.Budget(e.getKey(), p.getScopeType().name(), p.getScopeId(),
                        p.getPeriod().name(), p.getLimitMicros(), p.getHardLimitMicros(), List.copyOf(p.getThresholdsPercent()),
                        p.getAction().name(), p.getDowngradeTo(), spend(b, p.getScopeType(), p.getScopeId(), p.getPeriod(), at)));
            }
        }
        ctx.header("Cache-Control", "no-store").json(new DashboardViews.Budgets(at, feed != null && feed.following(), out));
    }

    /** What {@code /v1/spend/<scope>/<id>?period=..&at=..} answers; null where it answers 404. */
    private QueryViews.Spend spend(QueryServer.Backend b, ScopeType scope, String id, PeriodType period, long at) {
        Optional<HostInfo> owner = b.router().remoteOwner(SpendTopology.SPEND_STORE, Keys.scope(scope, id));
        String periodKey = period == PeriodType.LIFETIME ? "lifetime" : null;
        if (owner.isEmpty()) {
            return b.local().spend(scope, id, period, periodKey, at).orElse(null);
        }
        String path = "/v1/spend/" + scope.name().toLowerCase(Locale.ROOT) + '/' + URLEncoder.encode(id, StandardCharsets.UTF_8)
                .replace("+", "%20") + "?period=" + period.name() + "&at=" + at;
        InstanceRouter.Relayed r = b.router().forward(owner.get(), path);
        if (r.status() == 404) {
            return null;
        }
        if (r.status() != 200) {
            throw new InstanceRouter.Unavailable("instance " + owner.get() + " answered " + r.status() + " to " + path);
        }
        return read(owner.get(), r.body(), new TypeReference<QueryViews.Spend>() { });
    }

    private void alerts(Context ctx) {
        List<DashboardViews.Alert> out = new ArrayList<>();
        if (feed != null) {
            for (BudgetAlert a : feed.alerts()) {
                out.add(new DashboardViews.Alert(a.getAlertId(), a.getKind().name(), a.getScopeType().name(),
                        a.getScopeId(), a.getPeriod().name(), a.getPeriodKey(), a.getThresholdPercent(),
                        a.getBudgetMicros(), a.getSpendMicros(), a.getSharePercent(), a.getMessage(), a.getTimestamp(),
                        a.getQuotaKind(), a.getQuotaUsed(), a.getQuotaLimit()));
            }
        }
        ctx.header("Cache-Control", "no-store").json(new DashboardViews.Alerts(feed != null && feed.following(), out));
    }

    private <T> T read(HostInfo from, String body, TypeReference<T> type) {
        try {
            return json.readValue(body, type);
        } catch (IOException e) {
            throw new IllegalStateException("instance " + from + " sent an unreadable answer: " + e.getMessage(), e);
        }
    }

    private long at(Context ctx) {
        String text = ctx.queryParam("at");
        if (text == null || text.isBlank()) {
            return clock.millis();
        }
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new BadParameter("query parameter 'at' is '" + text + "'; expected epoch milliseconds, e.g. " + clock.millis());
        }
    }

    /** A malformed dashboard query; answered with 400 and the message. */
    static final class BadParameter extends RuntimeException {
        BadParameter(String message) {
            super(message);
        }
    }
}
