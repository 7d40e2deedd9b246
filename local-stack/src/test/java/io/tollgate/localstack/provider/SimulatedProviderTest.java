package io.tollgate.localstack.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SimulatedProviderTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CHAT = """
            {"model":"sim-small","messages":[{"role":"system","content":"You are terse."},{"role":"user","content":"Say hello to the world"}]%s}""";

    private final HttpClient http = HttpClient.newHttpClient();
    private SimulatedProvider provider;

    @BeforeEach
    void start() {
        provider = SimulatedProvider.builder().seed(7).start();
    }

    @AfterEach
    void stop() {
        provider.close();
    }

    @Test
    void shouldAnswerWithDeterministicTextAndUsageWhenNotStreaming() throws Exception {
        // Given a chat request with max_tokens 5 (prompt: 3 + (3 + ceil(14/4)) + (3 + ceil(22/4)) = 19)
        // When
        HttpResponse<String> response = post("/chat/completions", CHAT.formatted(",\"max_tokens\":5"), "sk-one");

        // Then
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.at("/choices/0/message/content").asText()).isEqualTo("Sure the quick brown fox");
        assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("length");
        assertThat(body.at("/usage/prompt_tokens").asLong()).isEqualTo(19);
        assertThat(body.at("/usage/completion_tokens").asLong()).isEqualTo(5);
        assertThat(body.at("/usage/total_tokens").asLong()).isEqualTo(24);
        assertThat(provider.counters().forModel("sim-small")).isEqualTo(new ServedCounters.Served(1, 1, 0, 19, 5));
        assertThat(provider.counters().forApiKey("sk-one")).isEqualTo(new ServedCounters.Served(1, 1, 0, 19, 5));
    }

    @Test
    void shouldUseTheModelDefaultLengthWhenTheRequestSetsNone() throws Exception {
        provider.scenario().set("sim-small", Behaviour.DEFAULT.withCompletionTokens(3));

        JsonNode body = JSON.readTree(post("/chat/completions", CHAT.formatted(""), "k").body());

        assertThat(body.at("/usage/completion_tokens").asLong()).isEqualTo(3);
        assertThat(body.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    }

    @Test
    void shouldTakeTheLengthFromTheHeaderWhenPresent() throws Exception {
        HttpRequest request = request("/chat/completions", CHAT.formatted(",\"max_tokens\":50"), "k")
                .header(SimulatedProvider.COMPLETION_TOKENS_HEADER, "2").build();

        JsonNode body = JSON.readTree(http.send(request, HttpResponse.BodyHandlers.ofString()).body());

        assertThat(body.at("/choices/0/message/content").asText()).isEqualTo("Sure the");
    }

    @Test
    void shouldStreamChunksAndAFinalUsageChunkWhenIncludeUsageIsSet() throws Exception {
        // When
        List<String> events = streamEvents(CHAT.formatted(",\"stream\":true,\"max_tokens\":4,\"stream_options\":{\"include_usage\":true}"));

        // Then: role chunk, 4 content chunks, finish chunk, usage chunk, [DONE]
        assertThat(events).hasSize(8);
        assertThat(events.getLast()).isEqualTo("[DONE]");
        StringBuilder text = new StringBuilder();
        for (String event : events.subList(0, 6)) {
            JsonNode chunk = JSON.readTree(event);
            assertThat(chunk.get("object").asText()).isEqualTo("chat.completion.chunk");
            assertThat(chunk.get("usage").isNull()).isTrue();
            text.append(chunk.at("/choices/0/delta/content").asText(""));
        }
        assertThat(text).hasToString("Sure the quick brown");
        assertThat(JSON.readTree(events.get(5)).at("/choices/0/finish_reason").asText()).isEqualTo("length");
        JsonNode usage = JSON.readTree(events.get(6));
        assertThat(usage.get("choices")).isEmpty();
        assertThat(usage.at("/usage/prompt_tokens").asLong()).isEqualTo(19);
        assertThat(usage.at("/usage/completion_tokens").asLong()).isEqualTo(4);
    }

    @Test
    void shouldSendNoUsageChunkWhenUsageIsOmitted() throws Exception {
        provider.scenario().setDefault(Behaviour.DEFAULT.withOmitUsage(true));

        List<String> events = streamEvents(CHAT.formatted(",\"stream\":true,\"max_tokens\":2,\"stream_options\":{\"include_usage\":true}"));
        JsonNode plain = JSON.readTree(post("/chat/completions", CHAT.formatted(""), "k").body());

        assertThat(events).hasSize(5).doesNotContain("usage").allSatisfy(e -> assertThat(e).doesNotContain("prompt_tokens"));
        assertThat(plain.has("usage")).isFalse();
    }

    @Test
    void shouldCutTheStreamWithoutTheFinalChunkWhenTheScenarioFailsItMidway() throws Exception {
        // Given
        provider.scenario().set("sim-small", Behaviour.DEFAULT.withFailStreamAfterChunks(3));
        String body = CHAT.formatted(",\"stream\":true,\"max_tokens\":10");

        // When read with a plain socket (the JDK HttpClient may report the cut before handing over the last chunks)
        String raw;
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), provider.port())) {
            socket.setSoTimeout(10_000);
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            socket.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer k\r\n"
                    + "Content-Type: application/json\r\nContent-Length: " + bytes.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().write(bytes);
            socket.getOutputStream().flush();
            raw = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8); // until the server ends the stream
        }

        // Then: the role chunk and 3 content chunks arrived, then the stream ended without [DONE] or the last chunk
        assertThat(raw).startsWith("HTTP/1.1 200").containsIgnoringCase("Transfer-Encoding: chunked");
        assertThat(raw.split("data: ", -1)).hasSize(5);
        assertThat(raw).contains("\"content\":\"Sure\"", "\"content\":\" the\"", "\"content\":\" quick\"")
                .doesNotContain("[DONE]", " brown", "finish_reason\":\"")
                .doesNotEndWith("0\r\n\r\n");
        assertThat(provider.counters().forModel("sim-small")).isEqualTo(new ServedCounters.Served(1, 0, 1, 19, 3));
    }

    @Test
    void shouldAnswer429WithRetryAfterForTheNextRequestsWhenRateLimited() throws Exception {
        provider.scenario().rateLimitNext(2, Duration.ofMillis(2500));

        HttpResponse<String> first = post("/chat/completions", CHAT.formatted(""), "k");
        HttpResponse<String> second = post("/chat/completions", CHAT.formatted(""), "k");
        HttpResponse<String> third = post("/chat/completions", CHAT.formatted(""), "k");

        assertThat(first.statusCode()).isEqualTo(429);
        assertThat(first.headers().firstValue("Retry-After")).contains("3");
        assertThat(first.headers().firstValue("retry-after-ms")).contains("2500");
        assertThat(JSON.readTree(first.body()).at("/error/type").asText()).isEqualTo("rate_limit_error");
        assertThat(second.statusCode()).isEqualTo(429);
        assertThat(third.statusCode()).isEqualTo(200);
        assertThat(provider.counters().total()).isEqualTo(new ServedCounters.Served(3, 1, 2, 19, 16));
    }

    @Test
    void shouldFailOnlyTheNamedModelWhenServerErrorsAreForcedPerModel() throws Exception {
        provider.scenario().serverErrorNext("sim-large", 1);

        HttpResponse<String> small = post("/chat/completions", CHAT.formatted(""), "k");
        HttpResponse<String> large = post("/chat/completions", CHAT.formatted("").replace("sim-small", "sim-large"), "k");

        assertThat(small.statusCode()).isEqualTo(200);
        assertThat(large.statusCode()).isEqualTo(500);
        assertThat(JSON.readTree(large.body()).at("/error/type").asText()).isEqualTo("server_error");
    }

    @Test
    void shouldFailTheSameRequestsWhenTheSeedIsTheSame() throws Exception {
        // Given two providers with the same seed and a 30% error rate
        provider.scenario().setDefault(Behaviour.DEFAULT.withErrorRate(0.3));
        List<Integer> statuses = new ArrayList<>();
        List<Integer> again = new ArrayList<>();
        try (SimulatedProvider twin = SimulatedProvider.builder().seed(7).start()) {
            twin.scenario().setDefault(Behaviour.DEFAULT.withErrorRate(0.3));

            // When each serves 40 requests
            for (int i = 0; i < 40; i++) {
                statuses.add(post("/chat/completions", CHAT.formatted(""), "k").statusCode());
                again.add(http.send(HttpRequest.newBuilder(URI.create(twin.baseUrl() + "/chat/completions"))
                        .POST(HttpRequest.BodyPublishers.ofString(CHAT.formatted(""))).build(),
                        HttpResponse.BodyHandlers.ofString()).statusCode());
            }
        }

        // Then they fail the same calls, and some but not all
        assertThat(statuses).isEqualTo(again).contains(200, 500);
        assertThat(provider.counters().total().failed()).isEqualTo(statuses.stream().filter(s -> s == 500).count());
    }

    @Test
    void shouldLetTheClientTimeOutWhenAnswersAreSlow() {
        provider.scenario().setDefault(Behaviour.DEFAULT.withLatency(Duration.ofSeconds(20)));
        HttpRequest request = request("/chat/completions", CHAT.formatted(""), "k").timeout(Duration.ofMillis(300)).build();

        assertThatThrownBy(() -> http.send(request, HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(HttpTimeoutException.class);
    }

    @Test
    void shouldReportEmbeddingUsageFromTheFormula() throws Exception {
        // "abcdefgh" = 2 tokens, "abc" = 1
        HttpResponse<String> response = post("/embeddings", "{\"model\":\"sim-embed\",\"input\":[\"abcdefgh\",\"abc\"],\"dimensions\":4}", "k");

        JsonNode body = JSON.readTree(response.body());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(body.get("data")).hasSize(2);
        assertThat(body.at("/data/1/embedding")).hasSize(4);
        assertThat(body.at("/usage/prompt_tokens").asLong()).isEqualTo(3);
        assertThat(provider.counters().forModel("sim-embed").promptTokens()).isEqualTo(3);
    }

    @Test
    void shouldListTheConfiguredModels() throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(provider.baseUrl() + "/models")).build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(JSON.readTree(response.body()).findValuesAsText("id")).containsExactlyElementsOf(SimulatedProvider.DEFAULT_MODELS);
    }

    @Test
    void shouldAnswer400InOpenAiShapeWhenTheBodyIsBad() throws Exception {
        HttpResponse<String> malformed = post("/chat/completions", "{\"model\":", "k");
        HttpResponse<String> noMessages = post("/chat/completions", "{\"model\":\"sim-small\",\"messages\":[]}", "k");
        HttpResponse<String> badMax = post("/chat/completions", CHAT.formatted(",\"max_tokens\":\"ten\""), "k");

        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(malformed.body()).at("/error/message").asText()).contains("not valid JSON");
        assertThat(noMessages.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(noMessages.body()).at("/error/param").asText()).isEqualTo("messages");
        assertThat(badMax.statusCode()).isEqualTo(400);
        assertThat(provider.counters().total().requests()).isZero();
    }

    @Test
    void shouldProduceCompletionsThatRealTokenizersCountExactlyWhenCountedLocally() {
        EncodingRegistry registry = Encodings.newDefaultEncodingRegistry();

        for (int tokens : List.of(1, 2, 25, 26, 27, 100, 1000)) {
            String text = TokenFormula.completionText(tokens);
            assertThat(registry.getEncoding(EncodingType.CL100K_BASE).countTokens(text)).as("cl100k %d", tokens).isEqualTo(tokens);
            assertThat(registry.getEncoding(EncodingType.O200K_BASE).countTokens(text)).as("o200k %d", tokens).isEqualTo(tokens);
        }
    }

    private List<String> streamEvents(String body) throws Exception {
        HttpResponse<java.util.stream.Stream<String>> response = http.send(request("/chat/completions", body, "k").build(),
                HttpResponse.BodyHandlers.ofLines());
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
        return response.body().filter(line -> !line.isEmpty())
                .map(line -> {
                    assertThat(line).startsWith("data: ");
                    return line.substring(6);
                })
                .toList();
    }

    private HttpResponse<String> post(String path, String body, String apiKey) throws Exception {
        return http.send(request(path, body, apiKey).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest.Builder request(String path, String body, String apiKey) {
        return HttpRequest.newBuilder(URI.create(provider.baseUrl() + path))
                .header("Authorization", "Bearer " + apiKey)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
    }
}
