package io.tollgate.localstack.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;

/**
 * A real OpenAI-compatible HTTP server on 127.0.0.1 for tests, benchmarks and the local stack:
 * {@code POST /v1/chat/completions} (JSON or SSE with {@code stream: true}),
 * {@code POST /v1/embeddings} and {@code GET /v1/models}. Answers are deterministic (see
 * {@link TokenFormula}); failures, delays and missing usage are set through {@link #scenario()};
 * everything served is counted in {@link #counters()}. Requests run on virtual threads.
 */
public final class SimulatedProvider implements AutoCloseable {

    /** Request header that sets the completion length of one request. */
    public static final String COMPLETION_TOKENS_HEADER = "X-Simulated-Completion-Tokens";
    /** Default models listed by {@code GET /v1/models} (the example tollgate.yaml's). */
    public static final List<String> DEFAULT_MODELS = List.of("sim-large", "sim-medium", "sim-small", "sim-local");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final int EMBEDDING_DIMENSIONS = 8;

    private final Scenario scenario;
    private final ServedCounters counters = new ServedCounters();
    private final Set<String> models;
    private final boolean rejectUnknownModels;
    private final AtomicLong ids = new AtomicLong();
    private final Javalin app;

    private SimulatedProvider(Builder builder) {
        this.scenario = new Scenario(builder.seed);
        this.models = new LinkedHashSet<>(builder.models);
        this.rejectUnknownModels = builder.rejectUnknownModels;
        this.app = Javalin.create(config -> {
            config.concurrency.useVirtualThreads = true;
            config.startup.showJavalinBanner = false;
            config.startup.showOldJavalinVersionWarning = false;
            config.http.compressionStrategy = CompressionStrategy.NONE;
            config.routes.post("/v1/chat/completions", this::chatCompletions);
            config.routes.post("/v1/embeddings", this::embeddings);
            config.routes.get("/v1/models", this::listModels);
            config.routes.exception(BadRequest.class, (e, ctx) -> error(ctx, 400, e.getMessage(), "invalid_request_error", e.param));
        });
        app.start("127.0.0.1", builder.port); // 0: Jetty binds a free port, no race
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Starts one on a free port with default models and seed 42. */
    public static SimulatedProvider start() {
        return builder().start();
    }

    public int port() {
        return app.port();
    }

    /** The OpenAI-style base URL, {@code http://127.0.0.1:<port>/v1}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + port() + "/v1";
    }

    public Scenario scenario() {
        return scenario;
    }

    public ServedCounters counters() {
        return counters;
    }

    @Override
    public void close() {
        app.stop();
    }

    private void chatCompletions(Context ctx) throws IOException {
        JsonNode request = parse(ctx);
        String model = model(request);
        JsonNode messages = request.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw new BadRequest("'messages' must be a non-empty array of {role, content} objects", "messages");
        }
        List<String> contents = new ArrayList<>();
        for (JsonNode message : messages) {
            contents.add(flatten(message.get("content")));
        }
        long promptTokens = TokenFormula.chatPromptTokens(contents);
        Completion completion = completionLength(ctx, request, model);
        boolean stream = request.path("stream").asBoolean(false);
        boolean includeUsage = request.path("stream_options").path("include_usage").asBoolean(false);

        String apiKey = apiKey(ctx);
        if (refused(ctx, model, apiKey)) {
            return;
        }
        Behaviour behaviour = scenario.behaviourFor(model);
        pause(behaviour.latency());
        String id = "chatcmpl-sim-" + ids.incrementAndGet();
        long created = Instant.now().getEpochSecond();
        if (stream) {
            stream(ctx, new StreamPlan(id, created, model, apiKey, promptTokens, completion, includeUsage, behaviour));
            return;
        }
        ObjectNode answer = JSON.createObjectNode()
                .put("id", id).put("object", "chat.completion").put("created", created).put("model", model);
        ObjectNode choice = answer.putArray("choices").addObject().put("index", 0);
        choice.putObject("message").put("role", "assistant").put("content", TokenFormula.completionText(completion.tokens()));
        choice.put("finish_reason", completion.finishReason());
        if (!behaviour.omitUsage()) {
            answer.set("usage", usage(promptTokens, completion.tokens()));
        }
        counters.promptTokens(model, apiKey, promptTokens);
        counters.completionTokens(model, apiKey, completion.tokens());
        counters.succeeded(model, apiKey);
        ctx.contentType("application/json").result(JSON.writeValueAsBytes(answer));
    }

    private void stream(Context ctx, StreamPlan plan) throws IOException {
        ctx.res().setStatus(200);
        ctx.res().setContentType("text/event-stream");
        ctx.res().setHeader("Cache-Control", "no-cache");
        OutputStream out = ctx.res().getOutputStream();
        counters.promptTokens(plan.model(), plan.apiKey(), plan.promptTokens());
        sendChunk(out, plan, JSON.createObjectNode().put("role", "assistant").put("content", ""), null);
        int failAfter = plan.behaviour().failStreamAfterChunks();
        for (int i = 0; i < plan.completion().tokens(); i++) {
            if (i == failAfter) {
                abort(ctx, plan);
                return;
            }
            if (i > 0) {
                pause(plan.behaviour().chunkDelay());
            }
            sendChunk(out, plan, JSON.createObjectNode().put("content", TokenFormula.completionToken(i)), null);
            counters.completionTokens(plan.model(), plan.apiKey(), 1);
        }
        if (failAfter == plan.completion().tokens()) {
            abort(ctx, plan);
            return;
        }
        sendChunk(out, plan, JSON.createObjectNode(), plan.completion().finishReason());
        if (plan.includeUsage() && !plan.behaviour().omitUsage()) {
            ObjectNode usageChunk = chunkEnvelope(plan);
            usageChunk.putArray("choices");
            usageChunk.set("usage", usage(plan.promptTokens(), plan.completion().tokens()));
            writeEvent(out, usageChunk);
        }
        out.write(DONE);
        out.flush();
        counters.succeeded(plan.model(), plan.apiKey());
    }

    private void sendChunk(OutputStream out, StreamPlan plan, ObjectNode delta, String finishReason) throws IOException {
        ObjectNode chunk = chunkEnvelope(plan);
        ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
        choice.set("delta", delta);
        if (finishReason == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finishReason);
        }
        if (plan.includeUsage()) {
            chunk.putNull("usage"); // as OpenAI does: null on every chunk but the last
        }
        writeEvent(out, chunk);
    }

    private static ObjectNode chunkEnvelope(StreamPlan plan) {
        return JSON.createObjectNode().put("id", plan.id()).put("object", "chat.completion.chunk")
                .put("created", plan.created()).put("model", plan.model());
    }

    private static void writeEvent(OutputStream out, ObjectNode event) throws IOException {
        out.write("data: ".getBytes(StandardCharsets.US_ASCII));
        out.write(JSON.writeValueAsBytes(event));
        out.write("\n\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /**
     * Ends the TCP stream without the final chunk, so the client sees a truncated response, as when a
     * provider dies midway. A half-close (FIN) rather than a close: the FIN follows the chunks already
     * written, whereas a reset could make the client's kernel drop them unread.
     */
    private void abort(Context ctx, StreamPlan plan) throws IOException {
        counters.failed(plan.model(), plan.apiKey());
        ctx.res().getOutputStream().flush();
        ServletContextRequest.getServletContextRequest(ctx.req())
                .getConnectionMetaData().getConnection().getEndPoint().shutdownOutput();
    }

    private void embeddings(Context ctx) throws IOException {
        JsonNode request = parse(ctx);
        String model = model(request);
        List<Long> inputTokens = embeddingInputs(request.get("input"));
        int dimensions = request.path("dimensions").asInt(EMBEDDING_DIMENSIONS);
        if (dimensions < 1 || dimensions > 4096) {
            throw new BadRequest("'dimensions' must be between 1 and 4096, got " + dimensions, "dimensions");
        }
        String apiKey = apiKey(ctx);
        if (refused(ctx, model, apiKey)) {
            return;
        }
        Behaviour behaviour = scenario.behaviourFor(model);
        pause(behaviour.latency());
        long promptTokens = 0;
        ObjectNode answer = JSON.createObjectNode().put("object", "list");
        ArrayNode data = answer.putArray("data");
        for (int i = 0; i < inputTokens.size(); i++) {
            ObjectNode item = data.addObject().put("object", "embedding").put("index", i);
            ArrayNode vector = item.putArray("embedding");
            for (int d = 0; d < dimensions; d++) {
                // deterministic, distinct per input and dimension, within [-1, 1]
                vector.add(Math.sin((i + 1) * 0.7 + d * 0.3 + inputTokens.get(i)));
            }
            promptTokens += inputTokens.get(i);
        }
        answer.put("model", model);
        if (!behaviour.omitUsage()) {
            answer.putObject("usage").put("prompt_tokens", promptTokens).put("total_tokens", promptTokens);
        }
        counters.promptTokens(model, apiKey, promptTokens);
        counters.succeeded(model, apiKey);
        ctx.contentType("application/json").result(JSON.writeValueAsBytes(answer));
    }

    private void listModels(Context ctx) throws IOException {
        ObjectNode answer = JSON.createObjectNode().put("object", "list");
        ArrayNode data = answer.putArray("data");
        for (String model : models) {
            data.addObject().put("id", model).put("object", "model").put("created", 0).put("owned_by", "tollgate-simulated");
        }
        ctx.contentType("application/json").result(JSON.writeValueAsBytes(answer));
    }

    /** Counts the request and answers a forced or random failure if the scenario says so. */
    private boolean refused(Context ctx, String model, String apiKey) {
        counters.request(model, apiKey);
        Optional<Scenario.ForcedFailure> failure = scenario.nextFailure(model);
        if (failure.isEmpty()) {
            return false;
        }
        counters.failed(model, apiKey);
        Scenario.ForcedFailure forced = failure.get();
        if (forced.status() == 429) {
            Duration retryAfter = forced.retryAfter() == null ? Duration.ofSeconds(1) : forced.retryAfter();
            // Retry-After is whole seconds (RFC 9110); OpenAI also sends the exact value in milliseconds
            ctx.header("Retry-After", Long.toString(Math.max(1, (retryAfter.toMillis() + 999) / 1000)));
            ctx.header("retry-after-ms", Long.toString(retryAfter.toMillis()));
            error(ctx, 429, "Rate limit reached for " + model + " (simulated)", "rate_limit_error", null);
        } else {
            error(ctx, forced.status(), "The server had an error while processing your request (simulated "
                    + forced.status() + ")", forced.status() >= 500 ? "server_error" : "invalid_request_error", null);
        }
        return true;
    }

    private String model(JsonNode request) {
        JsonNode model = request.get("model");
        if (model == null || !model.isTextual() || model.asText().isBlank()) {
            throw new BadRequest("'model' must be a non-empty string", "model");
        }
        if (rejectUnknownModels && !models.contains(model.asText())) {
            throw new BadRequest("The model '" + model.asText() + "' does not exist; this simulated provider serves "
                    + models, "model");
        }
        return model.asText();
    }

    private Completion completionLength(Context ctx, JsonNode request, String model) {
        String header = ctx.header(COMPLETION_TOKENS_HEADER);
        if (header != null) {
            try {
                int tokens = Integer.parseInt(header.trim());
                if (tokens >= 1) {
                    return new Completion(tokens, "stop");
                }
            } catch (NumberFormatException ignored) {
                // fall through to the error below
            }
            throw new BadRequest(COMPLETION_TOKENS_HEADER + " must be a positive integer, got '" + header + "'", null);
        }
        JsonNode max = request.hasNonNull("max_completion_tokens") ? request.get("max_completion_tokens") : request.get("max_tokens");
        if (max != null && !max.isNull()) {
            if (!max.canConvertToInt() || !max.isIntegralNumber() || max.asInt() < 1) {
                throw new BadRequest("'max_tokens' must be a positive integer, got " + max, "max_tokens");
            }
            return new Completion(max.asInt(), "length");
        }
        return new Completion(scenario.behaviourFor(model).completionTokens(), "stop");
    }

    private static List<Long> embeddingInputs(JsonNode input) {
        if (input == null || input.isNull()) {
            throw new BadRequest("'input' must be a string or an array of strings", "input");
        }
        List<Long> tokens = new ArrayList<>();
        if (input.isTextual()) {
            tokens.add(TokenFormula.textTokens(input.asText()));
        } else if (input.isArray() && !input.isEmpty()) {
            boolean tokenIds = input.get(0).isIntegralNumber();
            if (tokenIds) {
                tokens.add((long) input.size()); // one input given as token ids
            } else {
                for (JsonNode item : input) {
                    if (item.isTextual()) {
                        tokens.add(TokenFormula.textTokens(item.asText()));
                    } else if (item.isArray()) {
                        tokens.add((long) item.size());
                    } else {
                        throw new BadRequest("'input' items must be strings or arrays of token ids, got " + item, "input");
                    }
                }
            }
        } else {
            throw new BadRequest("'input' must be a string or a non-empty array, got " + input, "input");
        }
        return tokens;
    }

    private static String flatten(JsonNode content) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        if (content.isArray()) {
            StringBuilder text = new StringBuilder();
            for (JsonNode part : content) {
                text.append(part.path("text").asText(""));
            }
            return text.toString();
        }
        throw new BadRequest("message 'content' must be a string or an array of parts, got " + content, "messages");
    }

    private static JsonNode parse(Context ctx) {
        try {
            JsonNode node = JSON.readTree(ctx.bodyAsBytes());
            if (node == null || !node.isObject()) {
                throw new BadRequest("the request body must be a JSON object", null);
            }
            return node;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new BadRequest("the request body is not valid JSON: " + e.getOriginalMessage(), null);
        } catch (IOException e) {
            throw new BadRequest("the request body cannot be read: " + e.getMessage(), null);
        }
    }

    private static String apiKey(Context ctx) {
        String authorization = ctx.header("Authorization");
        if (authorization == null || authorization.isBlank()) {
            return ServedCounters.NO_KEY;
        }
        return authorization.regionMatches(true, 0, "Bearer ", 0, 7) ? authorization.substring(7).trim() : authorization.trim();
    }

    private static ObjectNode usage(long promptTokens, long completionTokens) {
        ObjectNode usage = JSON.createObjectNode()
                .put("prompt_tokens", promptTokens)
                .put("completion_tokens", completionTokens)
                .put("total_tokens", promptTokens + completionTokens);
        usage.putObject("prompt_tokens_details").put("cached_tokens", 0);
        return usage;
    }

    private static void error(Context ctx, int status, String message, String type, String param) {
        ObjectNode body = JSON.createObjectNode();
        ObjectNode error = body.putObject("error").put("message", message).put("type", type);
        if (param == null) {
            error.putNull("param");
        } else {
            error.put("param", param);
        }
        error.putNull("code");
        ctx.status(status).contentType("application/json").result(body.toString());
    }

    private static void pause(Duration duration) {
        if (duration.isZero()) {
            return;
        }
        try {
            Thread.sleep(duration); // a virtual thread per request: sleeping is how latency is simulated
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private record Completion(int tokens, String finishReason) {
    }

    private record StreamPlan(String id, long created, String model, String apiKey, long promptTokens,
                              Completion completion, boolean includeUsage, Behaviour behaviour) {
    }

    /** A 400 in OpenAI's error shape. */
    private static final class BadRequest extends RuntimeException {
        final String param;

        BadRequest(String message, String param) {
            super(message);
            this.param = param;
        }
    }

    /** Options of a {@link SimulatedProvider}. */
    public static final class Builder {
        private int port;
        private long seed = 42;
        private List<String> models = DEFAULT_MODELS;
        private boolean rejectUnknownModels;

        private Builder() {
        }

        /** Port on 127.0.0.1; 0 (default) picks a free one. */
        public Builder port(int port) {
            if (port < 0 || port > 65_535) {
                throw new IllegalArgumentException("port must be 0 (any free port) or 1..65535, got " + port);
            }
            this.port = port;
            return this;
        }

        /** Seed of the Random behind error rates (default 42). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Models listed by {@code GET /v1/models}. */
        public Builder models(List<String> models) {
            this.models = List.copyOf(models);
            return this;
        }

        /** Answer 400 for models not in {@link #models(List)} (default: serve any model name). */
        public Builder rejectUnknownModels(boolean reject) {
            this.rejectUnknownModels = reject;
            return this;
        }

        public SimulatedProvider start() {
            return new SimulatedProvider(this);
        }
    }
}
