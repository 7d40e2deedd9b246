package io.tollgate.metering.query;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tollgate.metering.topology.IngestTopology;
import io.tollgate.metering.topology.ModelHealthTopology;
import io.tollgate.metering.topology.RatesTopology;
import io.tollgate.metering.topology.SpendTopology;
import io.tollgate.policy.access.RouteTable;
import io.tollgate.policy.scope.Keys;
import io.tollgate.schemas.avro.PeriodType;
import io.tollgate.schemas.avro.ScopeType;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The interactive-query HTTP API (JSON). Every request needs the operator token ({@link OperatorGuard}).
 * Any instance answers any query: key-addressed queries go to the
 * owner of the key, "all models" gathers from every instance. While ownership is unknown (starting,
 * rebalancing, restoring) the answer is 503 with {@code Retry-After}, never an error page. Endpoints are
 * documented with curl examples in the module README.
 */
public final class QueryServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(QueryServer.class);
    private static final int MAX_WINDOWS = 288;
    /** Set on an answer given from a local copy because the key's owner could not answer. */
    public static final String COPY_HEADER = "X-Tollgate-Answered-From-Copy";

    /** What the server needs once Kafka Streams exists; null before that. */
    public record Backend(KafkaStreams streams, LocalQueries local, InstanceRouter router) {
    }

    private final ObjectMapper json = new ObjectMapper();
    private final Clock clock;
    private final PrometheusMeterRegistry metrics;
    private final OperatorGuard guard;
    private volatile Backend backend;
    private Javalin app;
    private io.tollgate.metering.dashboard.DashboardFeed dashboardFeed;

    /** @param guard checks the operator token of every request before routing */
    public QueryServer(Clock clock, PrometheusMeterRegistry metrics, OperatorGuard guard) {
        this.clock = clock;
        this.metrics = metrics;
        this.guard = guard;
    }

    /** Starts listening; returns the bound port (useful when {@code port} is 0). */
    public int start(String host, int port) {
        app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.routes.before(guard::check);
            config.routes.get("/healthz", this::healthz);
            config.routes.get("/readyz", this::readyz);
            config.routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                    .result(metrics.scrape()));
            config.routes.get("/instances", this::instances);
            config.routes.get("/v1/keys/{apiKeyId}/rates", this::rates);
            config.routes.get("/v1/keys/{apiKeyId}/wait-time", this::waitTime);
            config.routes.get("/v1/keys/{apiKeyId}/daily", this::daily);
            config.routes.get("/v1/keys/{apiKeyId}/calls/{callId}", this::call);
            config.routes.get("/v1/spend/{scope}/{id}", this::spend);
            config.routes.get("/v1/model-health", this::health);
            io.tollgate.metering.dashboard.DashboardRoutes.register(config.routes, () -> backend, clock, dashboardFeed);
            config.routes.exception(OperatorGuard.Unauthorized.class, (e, ctx) -> {
                ctx.header("WWW-Authenticate", "Bearer realm=\"tollgate-operator\"");
                error(ctx, 401, e.getMessage());
            });
            config.routes.exception(BadRequest.class, (e, ctx) -> error(ctx, 400, e.getMessage()));
            config.routes.exception(InstanceRouter.Unavailable.class, (e, ctx) -> unavailable(ctx, e.getMessage()));
            config.routes.exception(InvalidStateStoreException.class, (e, ctx) -> unavailable(ctx,
                    "state store not queryable right now (" + e.getMessage() + ")"));
            config.routes.exception(Exception.class, (e, ctx) -> {
                LOG.error("query {} failed", ctx.path(), e);
                error(ctx, 500, e.getClass().getSimpleName() + ": " + e.getMessage());
            });
        }).start(host, port);
        return app.port();
    }

    /** Every route registered, as {@code METHOD path}: what the access walk probes. */
    public List<String> routes() {
        return RouteTable.of(app);
    }

    /** Budgets and alerts for the dashboard; call before {@link #start}. */
    public void dashboardFeed(io.tollgate.metering.dashboard.DashboardFeed feed) {
        this.dashboardFeed = feed;
    }

    /** Connects the server to the running Streams application. */
    public void attach(Backend backend) {
        this.backend = backend;
    }

    private Backend backend() {
        Backend b = backend;
        if (b == null) {
            throw new InstanceRouter.Unavailable("metering is starting");
        }
        return b;
    }

    private void healthz(Context ctx) {
        Backend b = backend;
        KafkaStreams.State state = b == null ? KafkaStreams.State.CREATED : b.streams().state();
        boolean alive = state != KafkaStreams.State.ERROR && state != KafkaStreams.State.PENDING_ERROR
                && state != KafkaStreams.State.NOT_RUNNING && state != KafkaStreams.State.PENDING_SHUTDOWN;
        ctx.status(alive ? 200 : 503).json(new Status(state.name()));
    }

    private void readyz(Context ctx) {
        Backend b = backend;
        KafkaStreams.State state = b == null ? KafkaStreams.State.CREATED : b.streams().state();
        if (state == KafkaStreams.State.RUNNING) {
            ctx.json(new Status(state.name()));
        } else {
            ctx.header("Retry-After", "1").status(503).json(new Status(state.name()));
        }
    }

    private record Status(String state) {
    }

    private void instances(Context ctx) {
        Backend b = backend();
        List<QueryViews.Instance> out = new ArrayList<>();
        for (StreamsMetadata m : b.streams().metadataForAllStreamsClients()) {
            out.add(new QueryViews.Instance(m.host(), m.port(), m.hostInfo().equals(b.router().self()),
                    m.stateStoreNames().stream().sorted().toList(),
                    m.topicPartitions().stream().map(Object::toString).sorted().toList(),
                    m.standbyTopicPartitions().stream().map(Object::toString).sorted().toList()));
        }
        out.sort(Comparator.comparing(QueryViews.Instance::host).thenComparing(QueryViews.Instance::port));
        ctx.json(new QueryViews.Instances(b.streams().state().name(), out));
    }

    private void rates(Context ctx) {
        String apiKeyId = ctx.pathParam("apiKeyId");
        if (forwarded(ctx, RatesTopology.RATES_STORE, apiKeyId)) {
            return;
        }
        ctx.json(local(ctx).rate(apiKeyId, model(ctx), at(ctx)));
    }

    private void waitTime(Context ctx) {
        String apiKeyId = ctx.pathParam("apiKeyId");
        long tokens = longParam(ctx, "tokens", true);
        Long rpm = optionalLong(ctx, "rpm");
        Long tpm = optionalLong(ctx, "tpm");
        Long rpd = optionalLong(ctx, "rpd");
        Long tpd = optionalLong(ctx, "tpd");
        if (tokens < 0) {
            throw new BadRequest("query parameter 'tokens' is " + tokens + "; expected zero or more");
        }
        if (forwarded(ctx, RatesTopology.RATES_STORE, apiKeyId)) {
            return;
        }
        ctx.json(local(ctx).waitTime(apiKeyId, model(ctx), at(ctx), tokens, rpm, tpm, rpd, tpd));
    }

    private void daily(Context ctx) {
        String apiKeyId = ctx.pathParam("apiKeyId");
        String day = ctx.queryParam("day");
        if (day != null && !day.matches("\\d{4}-\\d{2}-\\d{2}")) {
            throw new BadRequest("query parameter 'day' is '" + day + "'; expected yyyy-MM-dd, e.g. 2026-11-21");
        }
        if (forwarded(ctx, RatesTopology.RATES_STORE, apiKeyId)) {
            return;
        }
        ctx.json(local(ctx).day(apiKeyId, model(ctx), day, at(ctx)));
    }

    private void call(Context ctx) {
        String apiKeyId = ctx.pathParam("apiKeyId");
        String callId = ctx.pathParam("callId");
        // calls are kept on the usage partitioning: the key's owner holds them
        if (forwarded(ctx, IngestTopology.CALLS_STORE, apiKeyId)) {
            return;
        }
        Optional<QueryViews.Call> call = local(ctx).call(apiKeyId, callId);
        if (call.isPresent()) {
            ctx.json(call.get());
        } else {
            error(ctx, 404, "no call " + callId + " of key " + apiKeyId + " is known (never metered, or older than"
                    + " metering.calls.retention)");
        }
    }

    private void spend(Context ctx) {
        ScopeType scope = parseEnum(ScopeType.class, "scope", ctx.pathParam("scope"));
        String id = ctx.pathParam("id");
        String periodParam = ctx.queryParamAsClass("period", String.class).getOrDefault(
                scope == ScopeType.CONVERSATION ? "LIFETIME" : "DAY");
        PeriodType period = parseEnum(PeriodType.class, "period", periodParam);
        if (forwarded(ctx, SpendTopology.SPEND_STORE, Keys.scope(scope, id))) {
            return;
        }
        String key = period == PeriodType.LIFETIME ? "lifetime" : ctx.queryParam("key");
        Optional<QueryViews.Spend> spend = local(ctx).spend(scope, id, period, key, at(ctx));
        if (spend.isPresent()) {
            ctx.json(spend.get());
        } else {
            error(ctx, 404, "no spend recorded for " + Keys.scope(scope, id) + " in " + period
                    + (key == null ? " containing now" : " " + key));
        }
    }

    private void health(Context ctx) {
        String model = ctx.queryParam("model");
        if (model != null) {
            if (forwarded(ctx, ModelHealthTopology.HEALTH_STORE, model)) {
                return;
            }
            int windows = (int) Math.min(MAX_WINDOWS, Math.max(1, Optional.ofNullable(optionalLong(ctx, "windows")).orElse(1L)));
            ctx.json(local(ctx).health(model, windows));
            return;
        }
        List<QueryViews.Health> all = new ArrayList<>(backend().local().latestHealth());
        if (ctx.header(InstanceRouter.FORWARDED_HEADER) == null) {
            for (HostInfo other : backend().router().others(ModelHealthTopology.HEALTH_STORE)) {
                InstanceRouter.Relayed r = backend().router().forward(other, "/v1/model-health");
                if (r.status() != 200) {
                    throw new InstanceRouter.Unavailable("instance " + other + " answered " + r.status());
                }
                try {
                    all.addAll(json.readValue(r.body(), new TypeReference<List<QueryViews.Health>>() { }));
                } catch (java.io.IOException e) {
                    throw new IllegalStateException("instance " + other + " sent unreadable model health: " + e.getMessage(), e);
                }
            }
        }
        all.sort(Comparator.comparing(QueryViews.Health::model));
        ctx.json(all);
    }

    /** Relays the request to the key's owner when that is another instance; true if it did. */
    /**
     * Relays the request to the key's owner when that is another instance; true if it did. When the owner cannot
     * answer (it died and the group has not noticed yet, it is restoring, or the group is rebalancing) and this
     * instance holds a copy of the key's partition that has caught up with its changelog (a standby replica, or
     * its own active task), the query is answered here from that copy instead: false, with {@link #COPY_HEADER}
     * on the answer and {@link #local} returning the queries over local copies.
     */
    private boolean forwarded(Context ctx, String store, String key) {
        InstanceRouter router = backend().router();
        Optional<HostInfo> owner;
        try {
            owner = router.remoteOwner(store, key);
        } catch (InstanceRouter.Unavailable e) {
            return answerFromCopy(ctx, store, key, e);
        }
        if (owner.isEmpty()) {
            return false;
        }
        if (ctx.header(InstanceRouter.FORWARDED_HEADER) != null) {
            return answerFromCopy(ctx, store, key,
                    new InstanceRouter.Unavailable("ownership of '" + key + "' moved while the query was forwarded"));
        }
        String query = ctx.queryString();
        InstanceRouter.Relayed r;
        try {
            r = router.forward(owner.get(), ctx.path() + (query == null ? "" : "?" + query));
        } catch (InstanceRouter.Unavailable e) {
            return answerFromCopy(ctx, store, key, e);
        }
        if (r.status() == 503 && router.hasCaughtUpCopy(store, key)) {
            return answerFromCopy(ctx, store, key, new InstanceRouter.Unavailable("owner answered 503"));
        }
        if (r.status() == 503) {
            ctx.header("Retry-After", "1");
        }
        ctx.status(r.status()).contentType(r.contentType()).result(r.body());
        return true;
    }

    private boolean answerFromCopy(Context ctx, String store, String key, InstanceRouter.Unavailable otherwise) {
        if (!backend().router().hasCaughtUpCopy(store, key)) {
            throw otherwise;
        }
        ctx.header(COPY_HEADER, "local");
        ctx.attribute(COPY_HEADER, Boolean.TRUE);
        return false;
    }

    /** The local queries to answer with: over this instance's active stores, or over its caught-up copies. */
    private LocalQueries local(Context ctx) {
        LocalQueries local = backend().local();
        return Boolean.TRUE.equals(ctx.attribute(COPY_HEADER)) ? local.fromCopies() : local;
    }

    private String model(Context ctx) {
        String model = ctx.queryParam("model");
        return model == null || model.isBlank() ? Keys.ALL_MODELS : model;
    }

    private long at(Context ctx) {
        Long at = optionalLong(ctx, "at");
        return at == null ? clock.millis() : at;
    }

    private static long longParam(Context ctx, String name, boolean required) {
        Long value = optionalLong(ctx, name);
        if (value == null && required) {
            throw new BadRequest("query parameter '" + name + "' is missing; expected an integer");
        }
        return value == null ? 0 : value;
    }

    private static Long optionalLong(Context ctx, String name) {
        String text = ctx.queryParam(name);
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            return Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new BadRequest("query parameter '" + name + "' is '" + text + "'; expected an integer");
        }
    }

    private static <E extends Enum<E>> E parseEnum(Class<E> type, String name, String text) {
        try {
            return Enum.valueOf(type, text.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new BadRequest(name + " '" + text + "' is unknown; expected one of "
                    + java.util.Arrays.toString(type.getEnumConstants()).toLowerCase(Locale.ROOT));
        }
    }

    private static void unavailable(Context ctx, String message) {
        ctx.header("Retry-After", "1");
        error(ctx, 503, message);
    }

    private static void error(Context ctx, int status, String message) {
        ctx.status(status).json(new QueryViews.Error(status, message));
    }

    @Override
    public void close() {
        if (app != null) {
            app.stop();
        }
    }

    /** A malformed query; answered with 400 and the message. */
    static final class BadRequest extends RuntimeException {
        BadRequest(String message) {
            super(message);
        }
    }
}
