package io.tollgate.budget.query;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.javalin.json.JavalinJackson;
import io.tollgate.policy.access.AccessToken;
import io.tollgate.policy.access.RouteTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;

/**
 * The REST API (JSON): {@code GET /budgets?scope=<prefix>}, {@code GET /commands},
 * {@code GET /alerts?scope=<prefix>&limit=<n>}, {@code GET /metrics} (Prometheus text),
 * {@code GET /healthz} (503 once the stream has failed), {@code GET /readyz} (the stream is running).
 * Every request, the probes included, needs {@code Authorization: Bearer <operator token>}, checked
 * before routing so that a route added later is guarded too; otherwise 401.
 * The three lists cover every instance of the application: this one's partitions plus what each
 * other instance answers for {@code ?local=true}; if one of them cannot answer, 503 with
 * {@code Retry-After} names it rather than giving an incomplete list.
 */
public final class HttpApi implements AutoCloseable {

    private static final String HOW = "send the operator token as 'Authorization: Bearer <token>' (TOLLGATE_OPERATOR_TOKEN,"
            + " or the operator-token file in budget-alerts' state directory when none is configured; 'tollgate up' keeps"
            + " it in .tollgate/operator-token)";
    private static final int DEFAULT_ALERT_LIMIT = 100;
    private static final int MAX_ALERT_LIMIT = 10_000;

    private final Javalin app;

    private final ObjectMapper json = new ObjectMapper();
    private final Supplier<Peers> peers;

    public HttpApi(BudgetQueries queries, Supplier<String> metrics, BooleanSupplier ready, LongSupplier clock,
                   AccessToken token) {
        this(queries, metrics, ready, clock, token, Peers::none);
    }

    public HttpApi(BudgetQueries queries, Supplier<String> metrics, BooleanSupplier ready, LongSupplier clock,
                   AccessToken token, Supplier<Peers> peers) {
        this(queries, metrics, () -> true, ready, clock, token, peers);
    }

    /**
     * @param alive false once the stream has failed for good (ERROR, or shutting down after a failure):
     *              {@code /healthz} then answers 503 so an orchestrator restarts the process
     * @param ready true while the stream is RUNNING (not starting, restoring or rebalancing)
     */
    public HttpApi(BudgetQueries queries, Supplier<String> metrics, BooleanSupplier alive, BooleanSupplier ready,
                   LongSupplier clock, AccessToken token, Supplier<Peers> peers) {
        this.peers = peers;
        this.app = Javalin.create(config -> {
            config.jsonMapper(new JavalinJackson());
            config.startup.showJavalinBanner = false;
            config.routes.before(ctx -> {
                String authorization = ctx.header("Authorization");
                if (!token.matchesAuthorization(authorization)) {
                    throw new Unauthorized((authorization == null ? "No credential given: "
                            : "The credential is not the operator token: ") + HOW + ".");
                }
            });
            config.routes.exception(Unauthorized.class, (e, ctx) -> ctx.status(HttpStatus.UNAUTHORIZED)
                    .header("WWW-Authenticate", "Bearer realm=\"tollgate-operator\"").json(Map.of("error", e.getMessage())));
            config.routes.get("/budgets", ctx -> ctx.json(BudgetQueries.mergeBudgets(
                    everywhere(ctx, queries.budgets(scopePrefix(ctx), clock.getAsLong()), new TypeReference<>() { }))));
            config.routes.get("/commands", ctx -> ctx.json(BudgetQueries.mergeCommands(
                    everywhere(ctx, queries.activeCommands(clock.getAsLong()), new TypeReference<>() { }))));
            config.routes.get("/alerts", ctx -> {
                int limit = limit(ctx);
                ctx.json(BudgetQueries.mergeAlerts(everywhere(ctx, queries.alerts(scopePrefix(ctx), limit),
                        new TypeReference<>() { }), limit));
            });
            config.routes.exception(Peers.Unavailable.class, (e, ctx) -> ctx.status(HttpStatus.SERVICE_UNAVAILABLE)
                    .header("Retry-After", "1")
                    .json(Map.of("error", "another instance could not give its part of the answer (starting, "
                            + "rebalancing or down); retry shortly", "detail", String.valueOf(e.getMessage()))));
            config.routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.get()));
            config.routes.get("/healthz", ctx -> {
                boolean isAlive = alive.getAsBoolean();
                ctx.status(isAlive ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE)
                        .json(Map.of("status", isAlive ? "up" : "failed"));
            });
            config.routes.get("/readyz", ctx -> {
                boolean isReady = ready.getAsBoolean();
                ctx.status(isReady ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE)
                        .json(Map.of("status", isReady ? "ready" : "starting"));
            });
            config.routes.exception(InvalidStateStoreException.class, (e, ctx) -> ctx.status(HttpStatus.SERVICE_UNAVAILABLE)
                    .json(Map.of("error", "stores are not queryable yet (starting or rebalancing); retry shortly",
                            "detail", String.valueOf(e.getMessage()))));
            config.routes.exception(IllegalArgumentException.class, (e, ctx) -> ctx.status(HttpStatus.BAD_REQUEST)
                    .json(Map.of("error", String.valueOf(e.getMessage()))));
        });
    }

    public HttpApi start(String host, int port) {
        app.start(host, port);
        return this;
    }

    /** Every route registered, as {@code METHOD path}: what the access walk probes. */
    public List<String> routes() {
        return RouteTable.of(app);
    }

    /** The bound port (useful when started on port 0). */
    public int port() {
        return app.port();
    }

    @Override
    public void close() {
        app.stop();
    }

    /**
     * This instance's answer, plus each other instance's for the same request with {@code local=true}
     * (unless this request is itself such a relay).
     */
    private <T> List<List<T>> everywhere(Context ctx, List<T> local, TypeReference<List<T>> type) {
        List<List<T>> parts = new ArrayList<>();
        parts.add(local);
        if ("true".equals(ctx.queryParam(Peers.LOCAL_PARAM))) {
            return parts;
        }
        String query = ctx.queryString();
        String relay = ctx.path() + "?" + (query == null || query.isEmpty() ? "" : query + "&") + Peers.LOCAL_PARAM + "=true";
        Peers current = peers.get();
        for (HostInfo other : current.others()) {
            String body = current.get(other, relay);
            try {
                parts.add(json.readValue(body, type));
            } catch (java.io.IOException e) {
                throw new Peers.Unavailable("instance " + other + " sent an unreadable answer to " + relay + ": "
                        + e.getMessage(), e);
            }
        }
        return parts;
    }

    private static String scopePrefix(Context ctx) {
        String scope = ctx.queryParam("scope");
        return scope == null ? "" : scope;
    }

    private static int limit(Context ctx) {
        String raw = ctx.queryParam("limit");
        if (raw == null) {
            return DEFAULT_ALERT_LIMIT;
        }
        try {
            int limit = Integer.parseInt(raw);
            if (limit < 1 || limit > MAX_ALERT_LIMIT) {
                throw new IllegalArgumentException("limit is " + limit + "; expected 1.." + MAX_ALERT_LIMIT);
            }
            return limit;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("limit is '" + raw + "'; expected a whole number 1.." + MAX_ALERT_LIMIT, e);
        }
    }

    /** No operator token, or a wrong one; answered with 401 and the message. */
    private static final class Unauthorized extends RuntimeException {
        Unauthorized(String message) {
            super(message, null, false, false);
        }
    }
}
