package io.tollgate.gateway.http;

import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.tollgate.gateway.auth.ApiKeyStore;
import io.tollgate.gateway.auth.AuthResult;
import io.tollgate.gateway.auth.KeyRecord;
import io.tollgate.gateway.call.CallExecutor;
import io.tollgate.gateway.call.CallMetrics;
import io.tollgate.gateway.call.ChatRequest;
import io.tollgate.gateway.call.GatewayError;
import io.tollgate.gateway.call.OpenAiErrors;
import io.tollgate.gateway.catalog.ModelCatalog;
import io.tollgate.gateway.catalog.ResolvedModel;
import io.tollgate.gateway.routing.Caller;
import io.tollgate.schemas.avro.Endpoint;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.component.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agents' listener (Javalin on Jetty 12, one virtual thread per request):
 * {@code POST /v1/chat/completions}, {@code POST /v1/embeddings}, {@code GET /v1/models} and
 * {@code GET /v1/usage}. Every request needs an agent's API key, checked before routing so that a route
 * added later cannot be left open; admin, metrics and health live on the {@link AdminServer}. Every
 * refusal is OpenAI's error JSON; nothing is forwarded before the key, the body and the model have been
 * checked.
 */
public final class GatewayServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(GatewayServer.class);
    private static final int ACCEPT_QUEUE = 1024;
    private static final Pattern HEADER_VALUE = Pattern.compile("[\\x21-\\x7e][\\x20-\\x7e]{0,127}");
    /** The request attribute holding the key the request authenticated with. */
    private static final String KEY_ATTRIBUTE = "tollgate.key";

    private final ApiKeyStore keys;
    private final ModelCatalog catalog;
    private final CallExecutor executor;
    private final CallMetrics callMetrics;
    private final long maxBodyBytes;
    private final Javalin app;

    public GatewayServer(ApiKeyStore keys, ModelCatalog catalog, CallExecutor executor, CallMetrics callMetrics,
                         long maxBodyBytes, UsageEndpoint usage) {
        this.keys = keys;
        this.catalog = catalog;
        this.executor = executor;
        this.callMetrics = callMetrics;
        this.maxBodyBytes = maxBodyBytes;
        this.app = Javalin.create(config -> {
            config.concurrency.useVirtualThreads = true;
            config.http.maxRequestSize = maxBodyBytes;
            config.http.compressionStrategy = CompressionStrategy.NONE;
            config.startup.showJavalinBanner = false;
            // Jetty's accept queue defaults to 0 (the OS minimum): a burst of a few hundred agents
            // connecting at once then sees connections closed before any byte ("header parser
            // received no bytes" in the benchmark at 256 clients); the connector exists only at start
            config.jetty.modifyServer(server -> server.addEventListener(new LifeCycle.Listener() {
                @Override
                public void lifeCycleStarting(LifeCycle event) {
                    for (Connector connector : server.getConnectors()) {
                        if (connector instanceof ServerConnector sc) {
                            sc.setAcceptQueueSize(ACCEPT_QUEUE);
                        }
                    }
                }
            }));
            config.routes.before(this::authenticateAgent);
            config.routes.post("/v1/chat/completions", ctx -> call(ctx, Endpoint.CHAT_COMPLETIONS, OpenAiRequests::chat));
            config.routes.post("/v1/embeddings", ctx -> call(ctx, Endpoint.EMBEDDINGS, OpenAiRequests::embeddings));
            config.routes.get("/v1/models", this::models);
            config.routes.get("/v1/usage", ctx -> usage.handle(ctx, authenticate(ctx)));
            config.routes.exception(GatewayError.class, (e, ctx) -> error(ctx, e));
            config.routes.exception(HttpResponseException.class, (e, ctx) -> error(ctx, fromJavalin(e, ctx)));
            config.routes.exception(Exception.class, (e, ctx) -> {
                LOG.error("unexpected failure on {} {}", ctx.method(), ctx.path(), e);
                error(ctx, new GatewayError(500, "server_error", "internal_error", null,
                        "The gateway failed unexpectedly (" + e.getClass().getSimpleName()
                                + "); the gateway log has the details.", Map.of()));
            });
        });
    }

    public GatewayServer start(String host, int port) {
        app.start(host, port);
        return this;
    }

    public int port() {
        return app.port();
    }

    /** Every route registered on this listener, as {@code METHOD path}: what the access walk probes. */
    public List<String> routes() {
        return app.unsafe.internalRouter.allHttpHandlers().stream().map(p -> p.endpoint)
                .filter(e -> e.method.isHttpMethod()).map(e -> e.method.name() + " " + e.path).toList();
    }

    /** Before any route, known or not: the request must carry a valid agent key, kept for the handler. */
    private void authenticateAgent(Context ctx) {
        try {
            ctx.attribute(KEY_ATTRIBUTE, authenticate(ctx));
        } catch (GatewayError e) {
            callMetrics.request(e.status(), null, null); // refused at the boundary: no model, no provider
            throw e;
        }
    }

    private void call(Context ctx, Endpoint endpoint, Function<byte[], ChatRequest> parse) {
        KeyRecord key;
        ChatRequest request;
        Caller caller;
        try {
            key = authenticate(ctx);
            long declared = ctx.req().getContentLengthLong();
            if (declared > maxBodyBytes) {
                throw tooLarge(declared);
            }
            byte[] raw = body(ctx, declared);
            if (raw.length > maxBodyBytes) {
                throw tooLarge(raw.length);
            }
            request = parse.apply(raw);
            caller = caller(ctx, key);
        } catch (GatewayError e) {
            callMetrics.request(e.status(), null, null); // refused at the boundary: no model, no provider
            throw e;
        }
        executor.execute(endpoint, key, caller, request, new JavalinClientResponse(ctx));
    }

    /**
     * The request body. With a declared length (checked against the limit above) it is read into
     * one array of that size; Javalin's {@code bodyAsBytes} copies it through growing buffers.
     */
    private static byte[] body(Context ctx, long declared) {
        if (declared < 0) {
            return ctx.bodyAsBytes(); // chunked: Javalin enforces the size limit while reading
        }
        try {
            return ctx.req().getInputStream().readNBytes((int) declared);
        } catch (java.io.IOException e) {
            throw GatewayError.invalid(null, "invalid_body", "The request body could not be read ("
                    + e.getMessage() + "); expected " + declared + " bytes as declared in Content-Length.");
        }
    }

    private GatewayError tooLarge(long bytes) {
        return new GatewayError(413, "invalid_request_error", "request_too_large", null, "The request body has "
                + bytes + " bytes; this gateway accepts at most " + maxBodyBytes + " (TOLLGATE_MAX_BODY_BYTES).",
                Map.of());
    }

    private KeyRecord authenticate(Context ctx) {
        KeyRecord checked = ctx.attribute(KEY_ATTRIBUTE);
        if (checked != null) {
            return checked;
        }
        return switch (keys.authenticate(ctx.header("Authorization"))) {
            case AuthResult.Authenticated a -> a.key();
            case AuthResult.Rejected r -> throw new GatewayError(r.status(),
                    r.status() == 401 ? "authentication_error" : "permission_error", r.code(), null, r.message(),
                    r.status() == 401 ? Map.of("WWW-Authenticate", "Bearer") : Map.of());
        };
    }

    private static Caller caller(Context ctx, KeyRecord key) {
        String conversation = optionalHeader(ctx, "X-Tollgate-Conversation");
        String agent = optionalHeader(ctx, "X-Tollgate-Agent");
        return new Caller(key.keyId(), key.tenant(), key.team(), agent == null ? key.agent() : agent, key.tier(),
                conversation);
    }

    private static String optionalHeader(Context ctx, String name) {
        String v = ctx.header(name);
        if (v == null || v.isEmpty()) {
            return null;
        }
        if (!HEADER_VALUE.matcher(v).matches()) {
            throw GatewayError.invalid(null, "invalid_header", "Header " + name
                    + " must be 1 to 128 printable ASCII characters; got " + v.length() + " characters.");
        }
        return v;
    }

    private void models(Context ctx) {
        KeyRecord key = authenticate(ctx);
        List<Map<String, Object>> data = new ArrayList<>();
        for (ResolvedModel m : catalog.servableModels()) {
            if (key.mayUse(m.id())) {
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("id", m.id());
                entry.put("object", "model");
                entry.put("created", 0);
                entry.put("owned_by", m.provider().orElseThrow().value());
                entry.put("context_window", m.contextWindow().value());
                entry.put("max_output_tokens", m.maxOutputTokens().value());
                data.add(entry);
            }
        }
        ctx.json(Map.of("object", "list", "data", data));
    }

    private static GatewayError fromJavalin(HttpResponseException e, Context ctx) {
        int status = e.getStatus();
        if (status == 404 || status == 405) {
            return new GatewayError(status, "invalid_request_error", "unknown_url", null, "Unknown request URL: "
                    + ctx.method() + " " + ctx.path()
                    + ". This gateway serves POST /v1/chat/completions, POST /v1/embeddings, GET /v1/models and"
                    + " GET /v1/usage.",
                    Map.of());
        }
        String code = status == 413 ? "request_too_large" : "http_" + status;
        return new GatewayError(status, status >= 500 ? "server_error" : "invalid_request_error", code, null,
                e.getMessage(), Map.of());
    }

    private static void error(Context ctx, GatewayError e) {
        ctx.status(e.status());
        e.headers().forEach(ctx::header);
        ctx.contentType("application/json");
        ctx.result(OpenAiErrors.json(e));
    }

    @Override
    public void close() {
        app.stop();
    }
}
