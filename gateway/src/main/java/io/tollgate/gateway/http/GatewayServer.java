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
import io.tollgate.gateway.call.ClientResponse;
import io.tollgate.gateway.call.GatewayError;
import io.tollgate.gateway.call.OpenAiErrors;
import io.tollgate.gateway.catalog.ModelCatalog;
import io.tollgate.gateway.catalog.ResolvedModel;
import io.tollgate.gateway.routing.Caller;
import io.tollgate.policy.access.RouteTable;
import io.tollgate.schemas.avro.Endpoint;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.component.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agents' listener (Javalin on Jetty 12, one virtual thread per request):
 * {@code POST /v1/chat/completions}, {@code POST /v1/embeddings}, {@code GET /v1/models},
 * {@code GET /v1/models/{id}}, {@code GET /v1/calls/{callId}} and {@code GET /v1/usage}. Every request needs
 * an agent's API key, checked before routing so that a route added later cannot be left open; admin, metrics
 * and health live on the {@link AdminServer}. Every refusal is OpenAI's error JSON, Jetty's own (oversize
 * headers) included; nothing is forwarded before the key, the body and the model have been checked.
 * The two call routes are served by {@link CallHandler} ahead of Javalin, by the same {@code call}.
 */
public final class GatewayServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(GatewayServer.class);
    private static final int ACCEPT_QUEUE = 1024;
    /** Jetty's default request header size, stated: larger headers get a 431 in OpenAI's error shape. */
    static final int MAX_HEADER_BYTES = 8192;
    /**
     * An over-size body up to this size is read and dropped before the 413, so the client, still sending,
     * reads the answer rather than a reset and can reuse the connection; beyond it the connection is closed.
     */
    private static final long DISCARD_LIMIT = 64L * 1024 * 1024;
    private static final Pattern HEADER_VALUE = Pattern.compile("[\\x21-\\x7e][\\x20-\\x7e]{0,127}");
    /** The request attribute holding the key the request authenticated with. */
    private static final String KEY_ATTRIBUTE = "tollgate.key";

    private final ApiKeyStore keys;
    private final ModelCatalog catalog;
    private final CallExecutor executor;
    private final CallMetrics callMetrics;
    private final MeteringCalls meteringCalls;
    private final long maxBodyBytes;
    private final Javalin app;

    public GatewayServer(ApiKeyStore keys, ModelCatalog catalog, CallExecutor executor, CallMetrics callMetrics,
                         long maxBodyBytes, UsageEndpoint usage, MeteringCalls meteringCalls) {
        this.keys = keys;
        this.catalog = catalog;
        this.executor = executor;
        this.callMetrics = callMetrics;
        this.maxBodyBytes = maxBodyBytes;
        this.meteringCalls = meteringCalls;
        this.app = Javalin.create(config -> {
            config.concurrency.useVirtualThreads = true;
            config.http.maxRequestSize = maxBodyBytes;
            config.http.compressionStrategy = CompressionStrategy.NONE;
            config.startup.showJavalinBanner = false;
            config.jetty.modifyHttpConfiguration(http -> http.setRequestHeaderSize(MAX_HEADER_BYTES));
            config.jetty.modifyServer(server -> server.setErrorHandler(new JsonErrorHandler()));
            // the calls themselves skip Javalin (CallHandler); Javalin attaches its servlet context inside it
            config.jetty.modifyServer(server -> server.insertHandler(new CallHandler(new CallHandler.Calls() {
                @Override
                public void call(Endpoint endpoint, CallRequest request, ClientResponse out) {
                    GatewayServer.this.call(endpoint, null, request, out);
                }

                @Override
                public GatewayError answer(String method, String path, Exception failure) {
                    return GatewayServer.answer(method, path, failure);
                }
            })));
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
            // CallHandler serves these two exact paths; Javalin the spellings it also routes here (a trailing slash)
            config.routes.post("/v1/chat/completions", ctx -> call(Endpoint.CHAT_COMPLETIONS, ctx));
            config.routes.post("/v1/embeddings", ctx -> call(Endpoint.EMBEDDINGS, ctx));
            config.routes.get("/v1/models", this::models);
            config.routes.get("/v1/usage", ctx -> usage.handle(ctx, authenticate(ctx)));
            config.routes.get("/v1/models/<id>", this::model); // <id>: ids like openai/gpt-4o contain slashes
            config.routes.get("/v1/calls/{callId}", this::callCost);
            config.routes.exception(GatewayError.class, (e, ctx) -> error(ctx, e));
            config.routes.exception(HttpResponseException.class, (e, ctx) -> error(ctx, fromJavalin(e, ctx)));
            config.routes.exception(Exception.class, (e, ctx) -> error(ctx, answer(ctx.method().name(), ctx.path(), e)));
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
        return RouteTable.of(app);
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

    private void call(Endpoint endpoint, Context ctx) {
        call(endpoint, ctx.attribute(KEY_ATTRIBUTE), new CallRequest() {
            @Override
            public String header(String name) {
                return ctx.header(name);
            }

            @Override
            public long contentLength() {
                return ctx.req().getContentLengthLong();
            }

            @Override
            public InputStream body() throws IOException {
                return ctx.req().getInputStream();
            }
        }, new JavalinClientResponse(ctx));
    }

    /** A call, its key already checked ({@code key}) or not yet (null); throws {@link GatewayError} refusing it. */
    private void call(Endpoint endpoint, KeyRecord checked, CallRequest in, ClientResponse out) {
        KeyRecord key;
        ChatRequest request;
        Caller caller;
        try {
            key = checked != null ? checked : authenticate(in.header("Authorization"));
            byte[] body = body(in);
            request = endpoint == Endpoint.EMBEDDINGS ? OpenAiRequests.embeddings(body) : OpenAiRequests.chat(body);
            caller = caller(in, key);
        } catch (GatewayError e) {
            callMetrics.request(e.status(), null, null); // refused at the boundary: no model, no provider
            throw e;
        }
        executor.execute(endpoint, key, caller, request, out);
    }

    /** The answer to a failed request: a refusal as it is, anything else a logged 500. */
    private static GatewayError answer(String method, String path, Exception failure) {
        if (failure instanceof GatewayError e) {
            return e;
        }
        LOG.error("unexpected failure on {} {}", method, path, failure);
        return new GatewayError(500, "server_error", "internal_error", null, "The gateway failed unexpectedly ("
                + failure.getClass().getSimpleName() + "); the gateway log has the details.", Map.of());
    }

    /**
     * The request body, at most {@code maxBodyBytes}: with a declared length it is read into one array
     * of that size (Javalin's {@code bodyAsBytes} copies through growing buffers); a chunked body is read
     * up to one byte over the limit.
     */
    private byte[] body(CallRequest request) {
        long declared = request.contentLength();
        try {
            InputStream in = request.body();
            if (declared > maxBodyBytes) {
                throw tooLarge(request, in, declared + " bytes");
            }
            if (declared >= 0) {
                return in.readNBytes((int) declared);
            }
            byte[] raw = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBodyBytes + 1));
            if (raw.length > maxBodyBytes) {
                throw tooLarge(request, in, "more than " + maxBodyBytes + " bytes");
            }
            return raw;
        } catch (IOException e) {
            throw GatewayError.invalid(null, "invalid_body", "The request body could not be read ("
                    + e.getMessage() + ")" + (declared >= 0 ? "; expected " + declared
                    + " bytes as declared in Content-Length." : "."));
        }
    }

    /**
     * The 413, after reading and dropping the rest of the body (up to {@link #DISCARD_LIMIT}) unless the
     * client waits for {@code 100 Continue} and so sends nothing: a client still writing its body when
     * the server closes would see a reset instead of the answer.
     */
    private GatewayError tooLarge(CallRequest request, InputStream in, String size) throws IOException {
        long declared = request.contentLength();
        boolean drained = "100-continue".equalsIgnoreCase(request.header("Expect"))
                || declared <= DISCARD_LIMIT && drain(in);
        return new GatewayError(413, "invalid_request_error", "request_too_large", null, "The request body has "
                + size + "; this gateway accepts at most " + maxBodyBytes + " (TOLLGATE_MAX_BODY_BYTES).",
                drained ? Map.of() : Map.of("Connection", "close"));
    }

    /** Reads {@code in} to its end if that comes within {@link #DISCARD_LIMIT} bytes; false when it does not. */
    private static boolean drain(InputStream in) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        long total = 0;
        int n;
        while ((n = in.read(buffer)) >= 0) {
            total += n;
            if (total > DISCARD_LIMIT) {
                return false;
            }
        }
        return true;
    }

    private KeyRecord authenticate(Context ctx) {
        KeyRecord checked = ctx.attribute(KEY_ATTRIBUTE);
        return checked != null ? checked : authenticate(ctx.header("Authorization"));
    }

    private KeyRecord authenticate(String authorization) {
        return switch (keys.authenticate(authorization)) {
            case AuthResult.Authenticated a -> a.key();
            case AuthResult.Rejected r -> throw new GatewayError(r.status(),
                    r.status() == 401 ? "authentication_error" : "permission_error", r.code(), null, r.message(),
                    r.status() == 401 ? Map.of("WWW-Authenticate", "Bearer") : Map.of());
        };
    }

    private static Caller caller(CallRequest request, KeyRecord key) {
        String conversation = optionalHeader(request, "X-Tollgate-Conversation");
        // a sub-agent is attributed under the key's own agent, never instead of it: the agent's budget still trips
        String subAgent = optionalHeader(request, "X-Tollgate-Agent");
        return new Caller(key.keyId(), key.tenant(), key.team(), key.agent(), key.tier(), conversation, subAgent);
    }

    private static String optionalHeader(CallRequest request, String name) {
        String v = request.header(name);
        if (v == null || v.isEmpty()) {
            return null;
        }
        if (!HEADER_VALUE.matcher(v).matches()) {
            throw GatewayError.invalid(null, "invalid_header", "Header " + name
                    + " must be 1 to 128 printable ASCII characters; got " + v.length() + " characters.");
        }
        return v;
    }

    /** The models this key may call: served by a configured provider, priced, in its allowed models. */
    private void models(Context ctx) {
        KeyRecord key = authenticate(ctx);
        List<Map<String, Object>> data = new ArrayList<>();
        for (ResolvedModel m : catalog.servableModels()) {
            executor.callableModels().forKey(key, m.id()).ifPresent(callable -> data.add(modelObject(callable)));
        }
        ctx.json(Map.of("object", "list", "data", data));
    }

    /** OpenAI's model object for a model this key may call; 404 {@code model_not_found} for any other. */
    private void model(Context ctx) {
        KeyRecord key = authenticate(ctx);
        String id = ctx.pathParam("id");
        ResolvedModel m = executor.callableModels().forKey(key, id).orElseThrow(() -> new GatewayError(404,
                "invalid_request_error", "model_not_found", "model", "The model '" + id
                + "' does not exist or you do not have access to it. GET /v1/models lists the models you may use.",
                Map.of()));
        ctx.json(modelObject(m));
    }

    /** OpenAI's four fields, plus the limits agents size their requests by (extra fields are ignored by SDKs). */
    private static Map<String, Object> modelObject(ResolvedModel m) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("id", m.id());
        entry.put("object", "model");
        entry.put("created", 0);
        entry.put("owned_by", m.provider().orElseThrow().value());
        entry.put("context_window", m.contextWindow().value());
        entry.put("max_output_tokens", m.maxOutputTokens().value());
        return entry;
    }

    /** The cost of one of the caller's own calls, as metering-stream knows it ({@link MeteringCalls}). */
    private void callCost(Context ctx) {
        KeyRecord key = authenticate(ctx);
        MeteringCalls.Answer answer = meteringCalls.lookup(key.keyId(), ctx.pathParam("callId"));
        ctx.status(answer.status()).contentType(answer.contentType()).result(answer.body());
    }

    private static GatewayError fromJavalin(HttpResponseException e, Context ctx) {
        int status = e.getStatus();
        if (status == 404 || status == 405) {
            return new GatewayError(status, "invalid_request_error", "unknown_url", null, "Unknown request URL: "
                    + ctx.method() + " " + ctx.path()
                    + ". This gateway serves POST /v1/chat/completions, POST /v1/embeddings, GET /v1/models,"
                    + " GET /v1/models/{id}, GET /v1/calls/{callId} and GET /v1/usage.",
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
