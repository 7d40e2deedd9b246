package io.tollgate.budget.query;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.javalin.json.JavalinJackson;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.kafka.streams.errors.InvalidStateStoreException;

/**
 * The REST API (JSON): {@code GET /budgets?scope=<prefix>}, {@code GET /commands},
 * {@code GET /alerts?scope=<prefix>&limit=<n>}, {@code GET /metrics} (Prometheus text),
 * {@code GET /healthz} (the process answers), {@code GET /readyz} (the stream is running).
 */
public final class HttpApi implements AutoCloseable {

    private static final int DEFAULT_ALERT_LIMIT = 100;
    private static final int MAX_ALERT_LIMIT = 10_000;

    private final Javalin app;

    public HttpApi(BudgetQueries queries, Supplier<String> metrics, BooleanSupplier ready, LongSupplier clock) {
        this.app = Javalin.create(config -> {
            config.jsonMapper(new JavalinJackson());
            config.startup.showJavalinBanner = false;
            config.routes.get("/budgets", ctx -> ctx.json(queries.budgets(scopePrefix(ctx), clock.getAsLong())));
            config.routes.get("/commands", ctx -> ctx.json(queries.activeCommands(clock.getAsLong())));
            config.routes.get("/alerts", ctx -> ctx.json(queries.alerts(scopePrefix(ctx), limit(ctx))));
            config.routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8").result(metrics.get()));
            config.routes.get("/healthz", ctx -> ctx.json(Map.of("status", "up")));
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

    /** The bound port (useful when started on port 0). */
    public int port() {
        return app.port();
    }

    @Override
    public void close() {
        app.stop();
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
}
