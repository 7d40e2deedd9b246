package io.tollgate.gateway.http;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tollgate.gateway.auth.ApiKeyStore;
import io.tollgate.gateway.auth.AuthResult;
import io.tollgate.gateway.call.GatewayError;
import io.tollgate.gateway.call.OpenAiErrors;
import io.tollgate.gateway.catalog.ModelCatalog;
import io.tollgate.gateway.events.EventSink;
import io.tollgate.policy.access.AccessToken;
import io.tollgate.policy.access.RouteTable;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin listener, apart from the agents' one (its own address, 127.0.0.1 by default):
 * {@code GET /admin/models/{id}}, {@code GET /admin/stats}, {@code GET /metrics},
 * {@code GET /health/live} and {@code GET /health/ready}. Every request, health probes included,
 * needs {@code Authorization: Bearer <admin token>}: without it or with another credential 401, with an
 * agent's API key 403 (agents read their own usage at {@code GET /v1/usage} on the agents' listener).
 * The check runs before routing, so a route added here later is guarded too.
 */
public final class AdminServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(AdminServer.class);
    private static final String HOW = "Send the gateway's admin token as 'Authorization: Bearer <token>': "
            + "TOLLGATE_ADMIN_TOKEN, or the admin-token file in the gateway's spool directory when none is configured.";

    private final AccessToken token;
    private final ApiKeyStore keys;
    private final ModelCatalog catalog;
    private final EventSink events;
    private final Javalin app;
    private volatile boolean ready;

    public AdminServer(AccessToken token, ApiKeyStore keys, ModelCatalog catalog, EventSink events,
                       PrometheusMeterRegistry metrics, Supplier<Map<String, Object>> stats) {
        this.token = token;
        this.keys = keys;
        this.catalog = catalog;
        this.events = events;
        this.app = Javalin.create(config -> {
            config.concurrency.useVirtualThreads = true;
            config.startup.showJavalinBanner = false;
            config.routes.before(this::authorize);
            config.routes.get("/admin/models/<id>", this::adminModel); // <id>: ids like openai/gpt-4o contain slashes
            config.routes.get("/admin/stats", ctx -> ctx.json(stats.get()));
            config.routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4").result(metrics.scrape()));
            config.routes.get("/health/live", ctx -> ctx.json(Map.of("status", "UP")));
            config.routes.get("/health/ready", this::readiness);
            config.routes.exception(GatewayError.class, (e, ctx) -> error(ctx, e));
            config.routes.exception(HttpResponseException.class, (e, ctx) -> error(ctx, new GatewayError(e.getStatus(),
                    "invalid_request_error", e.getStatus() == 404 ? "unknown_url" : "http_" + e.getStatus(), null,
                    e.getStatus() == 404 ? "Unknown admin URL: " + ctx.method() + " " + ctx.path() + ". The admin listener"
                            + " serves " + String.join(", ", routes()) + "." : e.getMessage(), Map.of())));
            config.routes.exception(Exception.class, (e, ctx) -> {
                LOG.error("unexpected failure on admin {} {}", ctx.method(), ctx.path(), e);
                error(ctx, new GatewayError(500, "server_error", "internal_error", null, "The admin listener failed"
                        + " unexpectedly (" + e.getClass().getSimpleName() + "); the gateway log has the details.", Map.of()));
            });
        });
    }

    public AdminServer start(String host, int port) {
        app.start(host, port);
        return this;
    }

    /** Readiness answers 200 from now on (unless the spool refuses calls); the gateway calls it once serving. */
    public void ready(boolean isReady) {
        this.ready = isReady;
    }

    public int port() {
        return app.port();
    }

    /** Every route registered on this listener, as {@code METHOD path}: what the access walk probes. */
    public List<String> routes() {
        return RouteTable.of(app);
    }

    private void authorize(Context ctx) {
        String authorization = ctx.header("Authorization");
        if (token.matchesAuthorization(authorization)) {
            return;
        }
        if (AccessToken.bearer(authorization).isPresent()
                && !(keys.authenticate(authorization) instanceof AuthResult.Rejected r && r.status() == 401)) {
            throw new GatewayError(403, "permission_error", "admin_token_required", null, "An agent's API key cannot"
                    + " use the admin listener; agents read their own usage at GET /v1/usage. " + HOW, Map.of());
        }
        throw new GatewayError(401, "authentication_error", "admin_token_required", null,
                (authorization == null ? "No credential given. " : "The credential is not the admin token. ") + HOW,
                Map.of("WWW-Authenticate", "Bearer realm=\"tollgate-admin\""));
    }

    private void adminModel(Context ctx) {
        ctx.json(catalog.resolve(ctx.pathParam("id")).describe());
    }

    private void readiness(Context ctx) {
        var refusal = events.refusal();
        if (!ready || refusal.isPresent()) {
            ctx.status(503).json(Map.of("status", "DOWN", "reason", refusal.orElse("starting")));
        } else {
            ctx.json(Map.of("status", "UP", "spooledEvents", events.pendingEvents()));
        }
    }

    private static void error(Context ctx, GatewayError e) {
        ctx.status(e.status());
        e.headers().forEach(ctx::header);
        ctx.contentType("application/json");
        ctx.result(OpenAiErrors.json(e));
    }

    @Override
    public void close() {
        ready = false;
        app.stop();
    }
}
