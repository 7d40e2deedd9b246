package io.tollgate.gateway.catalog;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Models a provider lists at {@code <base_url>/models}: OpenRouter's {@code /api/v1/models}
 * ({@code context_length}, {@code top_provider.max_completion_tokens}, {@code pricing.prompt} and
 * {@code completion} in dollars per token, {@code architecture.tokenizer}) or an OpenAI-style
 * {@code /v1/models} (ids; vLLM adds {@code max_model_len}). The first fill happens at
 * {@link #start}, bounded by the timeout; later refreshes run on a background thread every TTL,
 * so no request ever waits for discovery. A failed refresh keeps the last good list and retries
 * with exponential backoff and jitter.
 */
public final class DiscoverySource implements ModelSource, AutoCloseable {

    /** The two listing dialects. */
    public enum Kind { OPENAI, OPENROUTER }

    private static final Logger LOG = LoggerFactory.getLogger(DiscoverySource.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String providerName;
    private final URI modelsUri;
    private final String apiKey;
    private final Kind kind;
    private final Duration timeout;
    private final Duration ttl;
    private final Runnable onChange;
    private final HttpClient http;
    private final ScheduledExecutorService scheduler;
    private volatile Map<String, ModelFacts> models = Map.of();
    private int failures;

    public DiscoverySource(String providerName, String baseUrl, String apiKey, Kind kind, Duration timeout,
                           Duration ttl, Runnable onChange) {
        this.providerName = providerName;
        this.modelsUri = URI.create(baseUrl.replaceAll("/+$", "") + "/models");
        this.apiKey = apiKey;
        this.kind = kind;
        this.timeout = timeout;
        this.ttl = ttl;
        this.onChange = onChange;
        this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
        this.scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "tollgate-discovery-" + providerName);
            t.setDaemon(true);
            return t;
        });
    }

    /** First fill (blocking, at most the timeout), then background refresh. */
    public void start() {
        refresh();
    }

    @Override
    public String name() {
        return "discovery " + providerName;
    }

    @Override
    public ModelFacts lookup(String modelId) {
        return models.getOrDefault(modelId, ModelFacts.NONE);
    }

    @Override
    public Collection<String> knownModels() {
        return models.keySet();
    }

    private void refresh() {
        long next;
        try {
            Map<String, ModelFacts> fetched = fetch();
            boolean changed = !fetched.equals(models);
            models = fetched;
            failures = 0;
            next = ttl.toMillis();
            if (changed) {
                onChange.run();
            }
        } catch (IOException | RuntimeException e) {
            failures++;
            next = backoffMillis(failures, ttl.toMillis());
            LOG.warn("model discovery from {} failed ({}); keeping {} known models, retrying in {} ms",
                    modelsUri, e.getMessage(), models.size(), next);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (!scheduler.isShutdown()) {
            scheduler.schedule(this::refresh, next, TimeUnit.MILLISECONDS);
        }
    }

    /** 1 s, 2 s, 4 s ... capped at the TTL, with full jitter so gateways do not retry in lockstep. */
    static long backoffMillis(int failures, long capMillis) {
        long ceiling = Math.min(capMillis, 1000L << Math.min(failures - 1, 20));
        return ceiling / 2 + ThreadLocalRandom.current().nextLong(ceiling / 2 + 1);
    }

    private Map<String, ModelFacts> fetch() throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(modelsUri).timeout(timeout).GET();
        if (apiKey != null && !apiKey.isBlank()) {
            request.header("Authorization", "Bearer " + apiKey);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("HTTP " + response.statusCode());
        }
        return parse(response.body(), kind, providerName);
    }

    /** Parses a model listing; visible for tests. */
    public static Map<String, ModelFacts> parse(String body, Kind kind, String providerName) throws IOException {
        JsonNode data = JSON.readTree(body).path("data");
        if (!data.isArray()) {
            throw new IOException("model listing has no 'data' array");
        }
        Map<String, ModelFacts> out = new LinkedHashMap<>();
        for (JsonNode m : data) {
            String id = m.path("id").asText(null);
            if (id == null || id.isBlank()) {
                continue;
            }
            out.put(id, kind == Kind.OPENROUTER ? openRouter(m, providerName) : openAi(m, providerName));
        }
        return Map.copyOf(out);
    }

    private static ModelFacts openRouter(JsonNode m, String provider) {
        JsonNode pricing = m.path("pricing");
        String tokenizer = m.path("architecture").path("tokenizer").asText(null);
        return new ModelFacts(positiveInt(m.path("context_length")),
                positiveInt(m.path("top_provider").path("max_completion_tokens")),
                tokenizer == null ? null : OpenRouterTokenizers.toTokenizer(tokenizer),
                perToken(pricing.path("prompt")), perToken(pricing.path("completion")),
                perToken(pricing.path("input_cache_read")), null, provider, null);
    }

    private static ModelFacts openAi(JsonNode m, String provider) {
        Integer context = positiveInt(m.path("context_length"));
        if (context == null) {
            context = positiveInt(m.path("max_model_len"));
        }
        return new ModelFacts(context, null, null, null, null, null, null, provider, null);
    }

    private static Integer positiveInt(JsonNode n) {
        return n.canConvertToInt() && n.asInt() > 0 ? n.asInt() : null;
    }

    private static Long perToken(JsonNode n) {
        if (n.isMissingNode() || n.isNull()) {
            return null;
        }
        try {
            long micros = Prices.dollarsPerTokenToMicrosPerMillion(n.asText());
            return micros;
        } catch (RuntimeException e) {
            return null; // OpenRouter uses "-1" for variable-priced routers: not a catalog price
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
    }
}
