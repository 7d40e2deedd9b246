package io.tollgate.cli.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Simulated agents calling the gateway over HTTP like real ones: each agent uses one demo key,
 * sends a mix of simple and complex prompts, streaming and not, some with {@code model: auto}, at
 * a combined average rate (Poisson arrivals). What comes back is tallied in {@link FleetStats}.
 */
public final class Fleet implements AutoCloseable {

    /**
     * @param agents          number of simulated agents (they share the demo keys round-robin)
     * @param ratePerSecond   average calls per second of the whole fleet
     * @param streamShare     share of streaming calls, 0..1
     * @param complexShare    share of complex prompts, 0..1
     * @param maxTokensBound  max_tokens is drawn from 16..this
     */
    public record Settings(int agents, double ratePerSecond, double streamShare, double complexShare,
                           int maxTokensBound, long seed) {
        public Settings {
            if (agents < 1) {
                throw new IllegalArgumentException("--agents is " + agents + "; expected at least 1");
            }
            if (!(ratePerSecond > 0)) {
                throw new IllegalArgumentException("--rate is " + ratePerSecond + "; expected calls per second > 0, e.g. 10");
            }
            if (streamShare < 0 || streamShare > 1 || complexShare < 0 || complexShare > 1) {
                throw new IllegalArgumentException("shares must be within 0..1; got stream " + streamShare
                        + ", complex " + complexShare);
            }
            if (maxTokensBound < 16) {
                throw new IllegalArgumentException("max tokens bound " + maxTokensBound + " is below 16");
            }
        }
    }

    /**
     * Told about every call the gateway answered (any status), from the agent's thread: for checks that
     * need each call, such as every answered call being metered. {@code callId} is the gateway's
     * X-Tollgate-Call-Id ("" when absent), {@code model} its X-Tollgate-Model ("" on a refusal).
     */
    @FunctionalInterface
    public interface AnswerListener {
        void answered(AgentIdentity identity, int status, String callId, String model);
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> MODELS = List.of("sim-large", "sim-medium", "sim-small", "auto");

    private final String gatewayUrl;
    private final List<AgentIdentity> identities;
    private final Settings settings;
    private final Prices prices;
    private final FleetStats stats = new FleetStats();
    private final HttpClient http;
    private final ExecutorService agents = Executors.newVirtualThreadPerTaskExecutor();
    private final java.util.concurrent.CountDownLatch stopSignal = new java.util.concurrent.CountDownLatch(1);
    private volatile AnswerListener listener = (identity, status, callId, model) -> { };

    public Fleet(String gatewayUrl, List<AgentIdentity> identities, Prices prices, Settings settings) {
        if (identities.isEmpty()) {
            throw new IllegalArgumentException("the policy file has no usable keys; the fleet needs at least one");
        }
        this.gatewayUrl = gatewayUrl;
        this.identities = List.copyOf(identities);
        this.settings = settings;
        this.prices = prices;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
                .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
    }

    /** Set before {@link #start()}; the live view does not need one, tests do. */
    public Fleet onAnswer(AnswerListener answerListener) {
        this.listener = answerListener;
        return this;
    }

    public Fleet start() {
        for (int i = 0; i < settings.agents(); i++) {
            AgentIdentity identity = identities.get(i % identities.size());
            Random random = new Random(settings.seed() + i);
            int index = i;
            agents.submit(() -> runAgent(index, identity, random));
        }
        return this;
    }

    public FleetStats stats() {
        return stats;
    }

    private void runAgent(int index, AgentIdentity identity, Random random) {
        double meanGapMillis = 1000.0 * settings.agents() / settings.ratePerSecond();
        int conversation = 0;
        while (stopSignal.getCount() > 0) {
            long gap = Math.round(-Math.log(1 - random.nextDouble()) * meanGapMillis);
            try {
                // the pause between an agent's calls; ends at once when the fleet stops
                if (stopSignal.await(Math.min(gap, 60_000), TimeUnit.MILLISECONDS)) {
                    return;
                }
            } catch (InterruptedException e) {
                return;
            }
            if (random.nextInt(5) == 0) {
                conversation++;
            }
            call(identity, random, identity.agent() + "-" + index + "-c" + conversation);
        }
    }

    private void call(AgentIdentity identity, Random random, String conversation) {
        boolean complex = random.nextDouble() < settings.complexShare();
        boolean stream = random.nextDouble() < settings.streamShare();
        List<String> choices = identity.allowedModels().isEmpty() ? MODELS : identity.allowedModels();
        String model = choices.get(random.nextInt(choices.size()));
        ObjectNode body = JSON.createObjectNode();
        body.put("model", model);
        ArrayNode messages = body.putArray("messages");
        Prompts.next(random, complex).forEach(m -> messages.addObject().put("role", m.role()).put("content", m.content()));
        body.put("max_tokens", 16 + random.nextInt(settings.maxTokensBound() - 15));
        body.put("stream", stream);
        if (stream) {
            body.putObject("stream_options").put("include_usage", true); // as OpenAI: the usage chunk only when asked
        }
        HttpRequest request = HttpRequest.newBuilder(URI.create(gatewayUrl + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + identity.secret())
                .header("Content-Type", "application/json")
                .header("X-Tollgate-Conversation", conversation)
                .POST(HttpRequest.BodyPublishers.ofString(body.toString())).build();
        stats.sent();
        try {
            HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = response.body()) {
                handle(identity, response, in, stream);
            }
        } catch (IOException e) {
            stats.failed("network");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void handle(AgentIdentity identity, HttpResponse<InputStream> response, InputStream in, boolean stream)
            throws IOException {
        int status = response.statusCode();
        listener.answered(identity, status, response.headers().firstValue("X-Tollgate-Call-Id").orElse(""),
                response.headers().firstValue("X-Tollgate-Model").orElse(""));
        if (status != 200) {
            JsonNode error = parseQuietly(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            String code = error.path("error").path("code").asText("http_" + status);
            if (status == 429 || status == 403) {
                stats.refused(code);
            } else {
                stats.failed(code);
            }
            return;
        }
        JsonNode usage = stream ? streamUsage(in) : parseQuietly(new String(in.readAllBytes(), StandardCharsets.UTF_8)).path("usage");
        String served = response.headers().firstValue("X-Tollgate-Model").orElse("?");
        boolean fallback = response.headers().firstValue("X-Tollgate-Fallback").map("true"::equalsIgnoreCase).orElse(false);
        if (usage == null || usage.isMissingNode() || usage.isNull()) {
            stats.failed("no_usage");
            return;
        }
        long prompt = usage.path("prompt_tokens").asLong();
        long completion = usage.path("completion_tokens").asLong();
        long cached = usage.path("prompt_tokens_details").path("cached_tokens").asLong();
        stats.served(identity.team(), served, prompt, completion, prices.costMicros(served, prompt, cached, completion),
                fallback);
    }

    /** The usage of a stream: the last chunk that carries one (asked for with {@code stream_options.include_usage}). */
    private static JsonNode streamUsage(InputStream in) throws IOException {
        JsonNode usage = null;
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
            if (!line.startsWith("data:")) {
                continue;
            }
            String data = line.substring(5).trim();
            if (data.equals("[DONE]")) {
                break;
            }
            JsonNode chunk = parseQuietly(data);
            if (chunk.hasNonNull("usage")) {
                usage = chunk.get("usage");
            }
        }
        return usage;
    }

    private static JsonNode parseQuietly(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            return JSON.createObjectNode();
        }
    }

    /** Stops sending, lets calls in flight finish (bounded by their timeout), and returns. */
    @Override
    public void close() {
        stopSignal.countDown();
        agents.shutdown();
        try {
            if (!agents.awaitTermination(70, TimeUnit.SECONDS)) {
                agents.shutdownNow();
            }
        } catch (InterruptedException e) {
            agents.shutdownNow();
            Thread.currentThread().interrupt();
        }
        http.close();
    }

    /** One line for the banner. */
    public String describe() {
        return settings.agents() + " agents on " + identities.size() + " keys, " + settings.ratePerSecond()
                + " calls/s on average";
    }
}
