package io.tollgate.gateway.it;

import static io.tollgate.gateway.it.BoundaryStack.chat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.tollgate.localstack.junit.KafkaExtension;
import io.tollgate.localstack.junit.SharedKafka;
import io.tollgate.schemas.avro.Phase;
import io.tollgate.schemas.avro.TokenSource;
import io.tollgate.schemas.avro.UsageEvent;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an OpenAI client sees on the wire, on the real control plane: the usage-only stream chunk
 * only when asked for, the call's cost (header, usage chunk, and afterwards by call id through a
 * metering endpoint), OpenAI's rate-limit headers, the catalog id as {@code model}, and
 * {@code GET /v1/models/{id}}. The metering endpoint is a stand-in on 127.0.0.1 answering the
 * per-call JSON that metering-stream serves.
 */
@ExtendWith(KafkaExtension.class)
class OpenAiWireIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static final String OPERATOR_TOKEN = "op-secret-wire-it";
    private static final String DURATION = "\\d+ms|\\d+(\\.\\d+)?s|\\d+m\\d+(\\.\\d+)?s";
    private static BoundaryStack stack;
    private static GatewayFixture.UsageReader usage;
    private static HttpServer metering;
    private static final List<String> meteringRequests = Collections.synchronizedList(new ArrayList<>());

    @BeforeAll
    static void start(SharedKafka kafka, @TempDir Path dir) throws IOException {
        kafka.createTopics(1);
        metering = fakeMetering();
        stack = BoundaryStack.start(kafka, dir, "wire-it", Map.of(
                "TOLLGATE_METERING_URL", "http://127.0.0.1:" + metering.getAddress().getPort() + "/",
                "TOLLGATE_OPERATOR_TOKEN", OPERATOR_TOKEN));
        usage = new GatewayFixture.UsageReader(kafka.bootstrapServers(), kafka.topics());
    }

    @AfterAll
    static void stop() {
        usage.close();
        stack.close();
        metering.stop(0);
    }

    @BeforeEach
    void reset() {
        stack.provider.scenario().reset();
        stack.provider.counters().reset();
    }

    /**
     * metering-stream's per-call store as the gateway sees it: {@code /v1/keys/{key}/calls/{call}} with the
     * operator token; it knows one call, {@code call-known} of key {@code wire-it-open}.
     */
    private static HttpServer fakeMetering() throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getRawPath();
            meteringRequests.add(path + " " + exchange.getRequestHeaders().getFirst("Authorization"));
            boolean authorized = ("Bearer " + OPERATOR_TOKEN).equals(exchange.getRequestHeaders().getFirst("Authorization"));
            boolean known = path.equals("/v1/keys/wire-it-open/calls/call-known");
            byte[] body = (known && authorized ? """
                    {"callId":"call-known","apiKeyId":"wire-it-open","costMicros":230,"reservedCostMicros":500,\
                    "inFlight":false,"attempts":[{"attempt":1,"model":"sim-large","status":"SUCCESS","promptTokens":12,\
                    "cachedPromptTokens":0,"completionTokens":20,"totalTokens":32,"costMicros":230}]}"""
                    : "{\"error\":\"unknown call\"}").getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(known && authorized ? 200 : authorized ? 404 : 401, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        return server;
    }

    private static UsageEvent event(HttpResponse<?> r, Phase phase) {
        String callId = r.headers().firstValue("X-Tollgate-Call-Id").orElseThrow();
        return await().atMost(PATIENCE).until(() -> usage.forCall(callId).stream()
                .filter(e -> e.getPhase() == phase).findFirst(), java.util.Optional::isPresent).orElseThrow();
    }

    private static String stream(String model, boolean includeUsage) {
        return "{\"model\":\"" + model + "\",\"stream\":true,\"max_tokens\":5"
                + (includeUsage ? ",\"stream_options\":{\"include_usage\":true}" : "")
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]}";
    }

    /** The JSON payloads of the {@code data:} lines, without {@code [DONE]}. */
    private static List<JsonNode> chunks(String sse) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : sse.split("\n")) {
            if (line.startsWith("data:") && !line.substring(5).trim().equals("[DONE]")) {
                out.add(JSON.readTree(line.substring(5)));
            }
        }
        return out;
    }

    @Test
    void shouldSendNoUsageOnlyChunkButStillMeterTheProvidersUsageWhenTheClientDidNotAskForUsage() throws Exception {
        // When
        HttpResponse<String> r = stack.post("open", "/v1/chat/completions", stream("sim-small", false));

        // Then every chunk has a choice (the usual loop over chunk.choices[0] works) and ends with [DONE]
        assertThat(r.statusCode()).isEqualTo(200);
        List<JsonNode> chunks = chunks(r.body());
        assertThat(chunks).isNotEmpty().allSatisfy(c -> assertThat(c.get("choices").size()).isPositive());
        assertThat(r.body()).doesNotContain("\"choices\":[]").endsWith("data: [DONE]\n\n");
        // and metering still has the provider's usage
        UsageEvent response = event(r, Phase.RESPONSE);
        assertThat(response.getTokenSource()).isEqualTo(TokenSource.PROVIDER);
        assertThat(response.getCompletionTokens()).isEqualTo(5);
        assertThat(r.headers().firstValue("X-Tollgate-Reserved-Cost-Micros"))
                .contains(Long.toString(event(r, Phase.REQUEST).getReservedCostMicros()));
    }

    @Test
    void shouldEndWithTheUsageChunkCarryingTheCallsCostWhenTheClientAskedForUsage() throws Exception {
        // When
        HttpResponse<String> r = stack.post("open", "/v1/chat/completions", stream("sim-large", true));

        // Then the last chunk is the usage chunk, with the cost the RESPONSE event carries
        List<JsonNode> chunks = chunks(r.body());
        JsonNode last = chunks.get(chunks.size() - 1);
        assertThat(last.get("choices").size()).isZero();
        assertThat(last.get("usage").get("completion_tokens").asInt()).isEqualTo(5);
        UsageEvent response = event(r, Phase.RESPONSE);
        assertThat(response.getCostMicros()).isPositive();
        assertThat(last.get("usage").get("tollgate_cost_micros").asLong()).isEqualTo(response.getCostMicros());
        assertThat(chunks.subList(0, chunks.size() - 1)).allSatisfy(c -> assertThat(c.get("choices").size()).isPositive());
        // and the reservation, the only figure known when the headers go out, is in them
        assertThat(r.headers().firstValue("X-Tollgate-Reserved-Cost-Micros"))
                .contains(Long.toString(event(r, Phase.REQUEST).getReservedCostMicros()));
        assertThat(r.headers().firstValue("X-Tollgate-Cost-Micros")).isEmpty();
    }

    @Test
    void shouldStateTheFinalCostInAHeaderWhenTheAnswerIsNotStreamed() throws Exception {
        HttpResponse<String> r = stack.post("open", "/v1/chat/completions", chat("sim-large", "Say hello", 20));

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("X-Tollgate-Cost-Micros"))
                .contains(Long.toString(event(r, Phase.RESPONSE).getCostMicros()));
    }

    @Test
    void shouldSumEveryAttemptsCostWhenAFallbackServedTheCall() throws Exception {
        // Given sim-large fails all three attempts the default retry policy makes (fewer than the breaker's 5)
        stack.provider.scenario().serverErrorNext("sim-large", 3);

        HttpResponse<String> r = stack.post("open", "/v1/chat/completions", chat("sim-large", "Say hello", 20));

        // Then the cost header is the sum over the call's RESPONSE events (the failed attempts cost 0)
        String callId = r.headers().firstValue("X-Tollgate-Call-Id").orElseThrow();
        assertThat(r.headers().firstValue("X-Tollgate-Model")).isNotEqualTo(java.util.Optional.of("sim-large"));
        List<UsageEvent> responses = await().atMost(PATIENCE).until(() -> usage.forCall(callId).stream()
                .filter(e -> e.getPhase() == Phase.RESPONSE).toList(), l -> l.stream().anyMatch(e -> e.getCostMicros() > 0));
        long total = responses.stream().mapToLong(UsageEvent::getCostMicros).sum();
        assertThat(r.headers().firstValue("X-Tollgate-Cost-Micros")).contains(Long.toString(total));
        assertThat(r.headers().firstValue("X-Tollgate-Route").orElseThrow()).contains("reason=fallback of sim-large: upstream 5xx");
    }

    @Test
    void shouldNameTheCatalogIdInTheBodyAndEveryChunkWhenTheProviderCallsTheModelOtherwise() throws Exception {
        // sim-alias is sent upstream as sim-large, which is the name the provider answers with
        HttpResponse<String> whole = stack.post("open", "/v1/chat/completions", chat("sim-alias", "hi", 3));
        HttpResponse<String> streamed = stack.post("open", "/v1/chat/completions", stream("sim-alias", true));

        assertThat(JSON.readTree(whole.body()).get("model").asText()).isEqualTo("sim-alias");
        assertThat(chunks(streamed.body())).isNotEmpty()
                .allSatisfy(c -> assertThat(c.get("model").asText()).isEqualTo("sim-alias"));
        assertThat(stack.provider.counters().forModel("sim-large").requests()).isEqualTo(2);
        // the events keep the provider's name as the served model
        assertThat(event(whole, Phase.RESPONSE).getServedModel()).isEqualTo("sim-large");
        assertThat(event(whole, Phase.RESPONSE).getModel()).isEqualTo("sim-alias");
    }

    @Test
    void shouldSendOpenAisRateLimitHeadersWithTheCallsEffectiveLimits() throws Exception {
        // When a key limited to 50 requests and 100 000 tokens per minute calls
        HttpResponse<String> r = stack.post("limited", "/v1/chat/completions", chat("sim-small", "hi", 10));

        // Then
        assertThat(r.headers().firstValue("x-ratelimit-limit-requests")).contains("50");
        long remaining = Long.parseLong(r.headers().firstValue("x-ratelimit-remaining-requests").orElseThrow());
        assertThat(remaining).isBetween(0L, 49L);
        assertThat(r.headers().firstValue("x-ratelimit-reset-requests").orElseThrow()).matches(DURATION);
        assertThat(r.headers().firstValue("x-ratelimit-limit-tokens")).contains("100000");
        assertThat(Long.parseLong(r.headers().firstValue("x-ratelimit-remaining-tokens").orElseThrow()))
                .isLessThan(100_000);
        assertThat(r.headers().firstValue("x-ratelimit-reset-tokens").orElseThrow()).matches(DURATION);
    }

    @Test
    void shouldAnswerOpenAisModelObjectForACallableModelAnd404ForAnyOther() throws Exception {
        HttpResponse<String> ok = stack.get("open", "/v1/models/sim-large");

        assertThat(ok.statusCode()).isEqualTo(200);
        JsonNode model = JSON.readTree(ok.body());
        assertThat(model.get("id").asText()).isEqualTo("sim-large");
        assertThat(model.get("object").asText()).isEqualTo("model");
        assertThat(model.get("created").isIntegralNumber()).isTrue();
        assertThat(model.get("owned_by").asText()).isEqualTo("simulated");
        for (String[] refused : new String[][] {{"open", "no-such-model"}, {"open", "sim-unpriced"},
                {"restricted", "sim-large"}}) {
            HttpResponse<String> r = stack.get(refused[0], "/v1/models/" + refused[1]);
            assertThat(r.statusCode()).as(refused[0] + " " + refused[1]).isEqualTo(404);
            assertThat(JSON.readTree(r.body()).get("error").get("code").asText()).isEqualTo("model_not_found");
        }
        assertThat(stack.get(null, "/v1/models/sim-large").statusCode()).isEqualTo(401);
    }

    @Test
    void shouldRelayTheCallsCostFromMeteringWhenAskedByCallIdForTheCallersOwnKey() throws Exception {
        // When the key that made call-known asks for it
        HttpResponse<String> own = stack.get("open", "/v1/calls/call-known");

        // Then metering's answer is relayed, asked for under the caller's key with the operator token
        assertThat(own.statusCode()).isEqualTo(200);
        JsonNode call = JSON.readTree(own.body());
        assertThat(call.get("costMicros").asLong()).isEqualTo(230);
        assertThat(call.get("attempts").get(0).get("model").asText()).isEqualTo("sim-large");
        assertThat(meteringRequests).contains("/v1/keys/wire-it-open/calls/call-known Bearer " + OPERATOR_TOKEN);

        // and another key asking for the same id is only ever asked about under its own key: 404
        HttpResponse<String> other = stack.get("limited", "/v1/calls/call-known");
        assertThat(other.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(other.body()).get("error").get("code").asText()).isEqualTo("call_not_found");
        assertThat(meteringRequests).contains("/v1/keys/wire-it-limited/calls/call-known Bearer " + OPERATOR_TOKEN);
        assertThat(stack.get(null, "/v1/calls/call-known").statusCode()).isEqualTo(401);
    }
}
