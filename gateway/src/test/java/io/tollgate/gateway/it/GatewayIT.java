package io.tollgate.gateway.it;

import static io.tollgate.gateway.it.GatewayFixture.ADMIN_TOKEN;
import static io.tollgate.gateway.it.GatewayFixture.DEPLOYER;
import static io.tollgate.gateway.it.GatewayFixture.PLANNER;
import static io.tollgate.gateway.it.GatewayFixture.chat;
import static io.tollgate.gateway.it.GatewayFixture.get;
import static io.tollgate.gateway.it.GatewayFixture.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.gateway.GatewayApplication;
import io.tollgate.gateway.auth.ApiKeyStore;
import io.tollgate.gateway.config.GatewayConfig;
import io.tollgate.gateway.tokens.ChatTokenCounter;
import io.tollgate.gateway.tokens.Tokenizers;
import io.tollgate.localstack.junit.KafkaExtension;
import io.tollgate.localstack.junit.SharedKafka;
import io.tollgate.localstack.provider.Behaviour;
import io.tollgate.localstack.provider.SimulatedProvider;
import io.tollgate.localstack.provider.TokenFormula;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.ApiKeyPolicy;
import io.tollgate.schemas.avro.CallStatus;
import io.tollgate.schemas.avro.ErrorKind;
import io.tollgate.schemas.avro.Phase;
import io.tollgate.schemas.avro.Policy;
import io.tollgate.schemas.avro.TokenSource;
import io.tollgate.schemas.avro.UsageEvent;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The gateway end to end: real HTTP in, the simulated provider upstream, events on the embedded broker. The
 * gateway follows the policy topic, so the example file's keys are published there first, with ids of this
 * class's own ({@value #KEY_SUFFIX}).
 */
@ExtendWith(KafkaExtension.class)
class GatewayIT {

    private static final String KEY_SUFFIX = "-gateway-it";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static SimulatedProvider provider;
    private static GatewayApplication gateway;
    private static GatewayFixture.UsageReader usage;
    private static SharedKafka kafka;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start(SharedKafka shared, @TempDir Path dir) {
        kafka = shared;
        kafka.createTopics(1);
        provider = SimulatedProvider.start();
        GatewayConfig config = GatewayFixture.config(provider, kafka.bootstrapServers(), kafka.registryUrl(), dir,
                Map.of("TOLLGATE_MAX_BODY_BYTES", "20000"));
        PolicyTopic.publish(kafka, PolicyTopic.withKeyIdSuffix(config.policy(), KEY_SUFFIX), "tollgate.yaml");
        gateway = GatewayFixture.start(config);
        usage = new GatewayFixture.UsageReader(kafka.bootstrapServers(), kafka.topics());
    }

    @AfterAll
    static void stop() {
        usage.close();
        gateway.close();
        provider.close();
    }

    @BeforeEach
    void reset() {
        provider.scenario().reset();
        provider.counters().reset();
    }

    private List<UsageEvent> eventsOf(String callId, int expected) {
        return await().atMost(Duration.ofSeconds(30)).until(() -> usage.forCall(callId), l -> l.size() == expected);
    }

    @Test
    void shouldMeterExactNumbersWhenANonStreamedCallSucceeds() throws Exception {
        // Given "Say hello to the gateway" (24 chars): the provider counts 3 + (3 + 6) = 12 prompt tokens
        String body = chat("sim-large", "Say hello to the gateway", 20, false);

        // When
        HttpResponse<String> response = post(http, gateway.port(), "/v1/chat/completions", PLANNER, body);

        // Then the answer is the provider's, with the gateway's headers
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode json = JSON.readTree(response.body());
        assertThat(json.path("usage").path("completion_tokens").asInt()).isEqualTo(20);
        assertThat(response.headers().firstValue("X-Tollgate-Model")).contains("sim-large");
        assertThat(response.headers().firstValue("X-Tollgate-Fallback")).contains("false");
        String callId = response.headers().firstValue("X-Tollgate-Call-Id").orElseThrow();

        // and a REQUEST/RESPONSE pair with the exact figures is on the topic
        long counted = ChatTokenCounter.countPrompt(new Tokenizers().forName("o200k_base"),
                JSON.readTree(body).get("messages"), null);
        List<UsageEvent> events = eventsOf(callId, 2);
        UsageEvent request = events.get(0);
        UsageEvent resp = events.get(1);
        assertThat(request.getPhase()).isEqualTo(Phase.REQUEST);
        assertThat(request.getApiKeyId()).isEqualTo("k-planner" + KEY_SUFFIX);
        assertThat(request.getTeam()).isEqualTo("research");
        assertThat(request.getReservedPromptTokens()).isEqualTo(counted);
        assertThat(request.getReservedCompletionTokens()).isEqualTo(20);
        assertThat(request.getReservedCostMicros())
                .isEqualTo((counted * 2_500_000 + 20 * 10_000_000 + 500_000) / 1_000_000);
        assertThat(resp.getPhase()).isEqualTo(Phase.RESPONSE);
        assertThat(resp.getAttempt()).isEqualTo(1);
        assertThat(resp.getPromptTokens()).isEqualTo(TokenFormula.chatPromptTokens(List.of("Say hello to the gateway")));
        assertThat(resp.getPromptTokens()).isEqualTo(12);
        assertThat(resp.getCompletionTokens()).isEqualTo(20);
        assertThat(resp.getTotalTokens()).isEqualTo(32);
        assertThat(resp.getCostMicros()).isEqualTo(230); // 12 x 2.50 + 20 x 10.00 $/M = 0.000230 $
        assertThat(resp.getTokenSource()).isEqualTo(TokenSource.PROVIDER);
        assertThat(resp.getStatus()).isEqualTo(CallStatus.SUCCESS);
        assertThat(resp.getReservedTokens()).isEqualTo(request.getReservedTokens());
        assertThat(resp.getProvider()).isEqualTo("simulated");
        assertThat(resp.getPriceSource()).isEqualTo("config tollgate.yaml");
    }

    @Test
    void shouldRelayChunksAsTheyComeAndMeterTheStreamsUsageWhenStreaming() throws Exception {
        // Given 5 completion tokens 1 s apart (the check below that the provider is still sending has 4 s to
        // run after the first line arrives; at 300 ms apart, a loaded machine stalling the test thread for
        // 1.2 s would have seen all 5 sent and failed it)
        provider.scenario().set("sim-medium", Behaviour.DEFAULT.withChunkDelay(Duration.ofMillis(1_000)));
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port()
                        + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + PLANNER)
                .POST(HttpRequest.BodyPublishers.ofString(chat("sim-medium", "Stream me", 5, true)))
                .build();

        // When the first event arrives at the agent
        HttpResponse<InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8));
        String first = reader.readLine();

        // Then the provider has not finished sending: the gateway did not wait for the whole answer
        assertThat(first).startsWith("data: ");
        assertThat(provider.counters().forModel("sim-medium").completionTokens()).isLessThan(5);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/event-stream");

        // and the rest arrives intact, with the usage chunk the gateway asked for
        String rest = reader.lines().collect(Collectors.joining("\n"));
        reader.close();
        assertThat(rest).contains("data: [DONE]").contains("\"usage\"");
        String callId = response.headers().firstValue("X-Tollgate-Call-Id").orElseThrow();
        UsageEvent resp = eventsOf(callId, 2).get(1);
        assertThat(resp.getStream()).isTrue();
        assertThat(resp.getCompletionTokens()).isEqualTo(5);
        assertThat(resp.getPromptTokens()).isEqualTo(TokenFormula.chatPromptTokens(List.of("Stream me")));
        assertThat(resp.getTokenSource()).isEqualTo(TokenSource.PROVIDER);
        assertThat(resp.getTimeToFirstTokenMs()).isNotNull();
    }

    @Test
    void shouldMeterWhatWasRelayedWhenTheProviderBreaksOffMidStream() throws Exception {
        // Given the provider cuts the connection after 3 of 8 content chunks
        provider.scenario().set("sim-medium", Behaviour.DEFAULT.withFailStreamAfterChunks(3));

        HttpResponse<String> response = post(http, gateway.port(), "/v1/chat/completions", PLANNER,
                chat("sim-medium", "Break off", 8, true));

        // Then the RESPONSE meters, as a network error, exactly the tokens the agent received (a reset
        // connection may drop the provider's last chunk in flight, so up to 3)
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).doesNotContain("[DONE]");
        long received = response.body().lines().filter(l -> l.startsWith("data: "))
                .map(GatewayIT::deltaContent)
                .filter(c -> !c.isEmpty()).count();
        UsageEvent resp = eventsOf(response.headers().firstValue("X-Tollgate-Call-Id").orElseThrow(), 2).get(1);
        assertThat(resp.getStatus()).isEqualTo(CallStatus.ERROR);
        assertThat(resp.getErrorKind()).isEqualTo(ErrorKind.NETWORK);
        assertThat(resp.getCompletionTokens()).isEqualTo(received).isLessThanOrEqualTo(3);
        assertThat(resp.getTokenSource()).isEqualTo(TokenSource.COUNTED);
    }

    @Test
    void shouldCountCompletionTokensWithJtokkitWhenTheProviderReportsNoUsage() throws Exception {
        provider.scenario().set("sim-small", Behaviour.DEFAULT.withOmitUsage(true));

        HttpResponse<String> response = post(http, gateway.port(), "/v1/chat/completions", PLANNER,
                chat("sim-small", "Count for me", 7, true));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).doesNotContain("\"usage\":{");
        UsageEvent resp = eventsOf(response.headers().firstValue("X-Tollgate-Call-Id").orElseThrow(), 2).get(1);
        assertThat(resp.getTokenSource()).isEqualTo(TokenSource.COUNTED);
        assertThat(resp.getCompletionTokens()).isEqualTo(7);
        assertThat(resp.getPromptTokens()).isEqualTo(resp.getReservedPromptTokens());
    }

    @Test
    void shouldPassTheProvidersRateLimitThroughAndMeterTheFailedAttemptWhenItAnswers429() throws Exception {
        provider.scenario().rateLimitNext(1, Duration.ofSeconds(7));

        HttpResponse<String> response = post(http, gateway.port(), "/v1/chat/completions", PLANNER,
                chat("sim-large", "hi", 10, false));

        assertThat(response.statusCode()).isEqualTo(429);
        assertThat(response.headers().firstValue("Retry-After")).contains("7");
        UsageEvent resp = eventsOf(response.headers().firstValue("X-Tollgate-Call-Id").orElseThrow(), 2).get(1);
        assertThat(resp.getErrorKind()).isEqualTo(ErrorKind.RATE_LIMITED);
        assertThat(resp.getHttpStatus()).isEqualTo(429);
        assertThat(resp.getCostMicros()).isZero();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "malformed JSON    | tg-demo-planner | {\"model\":                                    | 400 | invalid_json",
            "wrong type        | tg-demo-planner | {\"model\":\"sim-large\",\"messages\":{}}        | 400 | invalid_type",
            "missing model     | tg-demo-planner | {\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} | 400 | missing_required_parameter",
            "unknown model     | tg-demo-planner | {\"model\":\"no-such-model\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} | 404 | model_not_found",
            "empty messages    | tg-demo-planner | {\"model\":\"sim-large\",\"messages\":[]}        | 400 | empty_array",
            "model not allowed | tg-demo-deployer | {\"model\":\"sim-large\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} | 403 | model_not_allowed",
            "context exceeded  | tg-demo-planner | {\"model\":\"sim-local\",\"max_tokens\":40000,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} | 400 | context_length_exceeded",
            "missing key       |                 | {\"model\":\"sim-large\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} | 401 | missing_api_key",
            "unknown key       | tg-not-a-key    | {\"model\":\"sim-large\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]} | 401 | invalid_api_key",
    })
    void shouldAnswerInOpenAiErrorShapeAndForwardNothingWhenTheCallIsBad(String name, String secret, String body,
                                                                         int status, String code) throws Exception {
        // When
        HttpResponse<String> response = post(http, gateway.port(), "/v1/chat/completions", secret, body);

        // Then
        assertThat(response.statusCode()).as(name).isEqualTo(status);
        JsonNode error = JSON.readTree(response.body()).get("error");
        assertThat(error.get("code").asText()).isEqualTo(code);
        assertThat(error.get("message").asText()).isNotBlank();
        assertThat(error.has("type")).isTrue();
        assertThat(error.has("param")).isTrue();
        assertThat(provider.counters().total().requests()).isZero();
    }

    @Test
    void shouldStateTheNumbersWhenThePromptAndMaxTokensExceedTheContextWindow() throws Exception {
        HttpResponse<String> response = post(http, gateway.port(), "/v1/chat/completions", PLANNER,
                chat("sim-local", "x", 40_000, false));

        assertThat(JSON.readTree(response.body()).get("error").get("message").asText())
                .contains("maximum context length is 32768 tokens").contains("40000 in the completion");
    }

    @Test
    void shouldAnswer413AndForwardNothingWhenTheBodyIsOverTheLimit() throws Exception {
        String big = "x".repeat(30_000);

        HttpResponse<String> response = post(http, gateway.port(), "/v1/chat/completions", PLANNER,
                chat("sim-large", big, null, false));

        assertThat(response.statusCode()).isEqualTo(413);
        assertThat(JSON.readTree(response.body()).get("error").get("code").asText()).isEqualTo("request_too_large");
        assertThat(provider.counters().total().requests()).isZero();
    }

    @Test
    void shouldRefuseAKeyWithin403WhenThePolicyTopicRevokesIt() throws Exception {
        // Given a key that arrives through tollgate.policies.v1 (not in tollgate.yaml)
        String secret = "tg-it-live-key";
        String body = chat("sim-small", "hi", 3, false);
        try (KafkaProducer<String, Policy> producer = new KafkaProducer<>(kafka.producerProperties(),
                new StringSerializer(), kafka.topics().policies().valueSerde().serializer())) {
            producer.send(new ProducerRecord<>(Topics.POLICIES, "key:k-live", policy(secret, false))).get();
            await().atMost(Duration.ofSeconds(30)).until(
                    () -> post(http, gateway.port(), "/v1/chat/completions", secret, body).statusCode() == 200);

            // When it is revoked
            producer.send(new ProducerRecord<>(Topics.POLICIES, "key:k-live", policy(secret, true))).get();

            // Then
            await().atMost(Duration.ofSeconds(30)).until(
                    () -> post(http, gateway.port(), "/v1/chat/completions", secret, body).statusCode() == 403);
        }
        provider.counters().reset();
        HttpResponse<String> refused = post(http, gateway.port(), "/v1/chat/completions", secret, body);
        assertThat(JSON.readTree(refused.body()).get("error").get("code").asText()).isEqualTo("api_key_revoked");
        assertThat(provider.counters().total().requests()).isZero();
    }

    @Test
    void shouldDeadLetterAnUnreadablePolicyRecordAndKeepApplyingLaterOnesWhenOneIsPoison() throws Exception {
        // Given a record that is not Confluent-framed Avro, followed by a valid key
        String secret = "tg-it-after-poison";
        Map<String, Object> props = kafka.producerProperties();
        try (KafkaProducer<String, byte[]> raw = new KafkaProducer<>(props, new StringSerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer());
             KafkaProducer<String, Policy> producer = new KafkaProducer<>(props, new StringSerializer(),
                     kafka.topics().policies().valueSerde().serializer())) {
            raw.send(new ProducerRecord<>(Topics.POLICIES, "key:k-poison", "not avro".getBytes(StandardCharsets.UTF_8)))
                    .get();
            Policy valid = policy(secret, false);
            ((ApiKeyPolicy) valid.getPolicy()).setKeyId("k-after-poison");
            producer.send(new ProducerRecord<>(Topics.POLICIES, "key:k-after-poison", valid)).get();
        }

        // Then the valid key is applied and the poison record is on the dead-letter topic with its reason
        await().atMost(Duration.ofSeconds(30)).until(() -> post(http, gateway.port(), "/v1/chat/completions", secret,
                chat("sim-small", "hi", 2, false)).statusCode() == 200);
        Map<String, Object> consumerProps = kafka.consumerProperties("gateway-it-dlq");
        try (var dlq = new org.apache.kafka.clients.consumer.KafkaConsumer<byte[], byte[]>(consumerProps,
                new org.apache.kafka.common.serialization.ByteArrayDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            dlq.subscribe(List.of(Topics.DEAD_LETTER));
            var found = await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (var r : dlq.poll(Duration.ofMillis(200))) {
                    if ("not avro".equals(new String(r.value(), StandardCharsets.UTF_8))) {
                        return r;
                    }
                }
                return null;
            }, java.util.Objects::nonNull);
            assertThat(new String(found.headers().lastHeader(Topics.DLQ_SOURCE_TOPIC_HEADER).value(),
                    StandardCharsets.UTF_8)).isEqualTo(Topics.POLICIES);
            assertThat(found.headers().lastHeader(Topics.DLQ_REASON_HEADER)).isNotNull();
        }
    }

    private static String deltaContent(String dataLine) {
        try {
            return JSON.readTree(dataLine.substring("data: ".length())).at("/choices/0/delta/content").asText("");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Policy policy(String secret, boolean revoked) {
        return Policy.newBuilder().setPolicy(ApiKeyPolicy.newBuilder().setKeyId("k-live")
                        .setKeyHash(ApiKeyStore.sha256Hex(secret)).setTenant("acme").setTeam("qa").setAgent("live")
                        .setTier("free").setRevoked(revoked).build())
                .setUpdatedAt(System.currentTimeMillis()).setSource("GatewayIT").build();
    }

    @Test
    void shouldAttributeToConversationAndAgentAndReserveTheModelsMaxOutputWhenHeadersAreSentWithoutMaxTokens()
            throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port()
                        + "/v1/chat/completions"))
                .header("Authorization", "Bearer " + PLANNER)
                .header("X-Tollgate-Conversation", "conv-42")
                .header("X-Tollgate-Agent", "planner-sub-1")
                .POST(HttpRequest.BodyPublishers.ofString(chat("sim-large", "hi", null, false)))
                .build();

        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        UsageEvent req = eventsOf(response.headers().firstValue("X-Tollgate-Call-Id").orElseThrow(), 2).get(0);
        assertThat(req.getConversationId()).isEqualTo("conv-42");
        // the key's own agent keeps the call (its budget still trips); the header only names a sub-agent under it
        assertThat(req.getAgent()).isEqualTo("planner");
        assertThat(req.getSubAgent()).isEqualTo("planner-sub-1");
        // no max_tokens: sim-large's max output (16384) fits in the 128000 window left by the prompt
        assertThat(req.getReservedCompletionTokens()).isEqualTo(16_384);
    }

    @Test
    void shouldAnswerUnknownUrlsInOpenAiErrorShape() throws Exception {
        HttpResponse<String> response = post(http, gateway.port(), "/v1/completions", PLANNER, "{}");

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(response.body()).at("/error/code").asText()).isEqualTo("unknown_url");
    }

    @Test
    void shouldMeterAStreamAsCancelledWhenTheAgentHangsUpMidStream() throws Exception {
        // Given 20 completion tokens 100 ms apart
        provider.scenario().set("sim-medium", Behaviour.DEFAULT.withChunkDelay(Duration.ofMillis(100)));
        byte[] body = chat("sim-medium", "Stream me", 20, true).getBytes(StandardCharsets.UTF_8);
        String callId;
        try (Socket socket = new Socket("127.0.0.1", gateway.port())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " + PLANNER
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
            BufferedReader reader = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.UTF_8));
            String line;
            String id = null;
            while ((line = reader.readLine()) != null && !line.startsWith("data: ")) {
                if (line.regionMatches(true, 0, "X-Tollgate-Call-Id:", 0, 19)) {
                    id = line.substring(19).trim();
                }
            }
            assertThat(line).startsWith("data: ");
            callId = id;
        } // When the agent hangs up after the first event

        // Then the call is metered as cancelled, with what was relayed counted
        assertThat(callId).isNotNull();
        UsageEvent resp = eventsOf(callId, 2).get(1);
        assertThat(resp.getStatus()).isEqualTo(CallStatus.CANCELLED);
        assertThat(resp.getCompletionTokens()).isLessThan(20);
    }

    @Test
    void shouldAnswerUnknownUrlWhenACallPathIsAskedWithAnotherMethod() throws Exception {
        HttpResponse<String> response = get(http, gateway.port(), "/v1/chat/completions", PLANNER);

        assertThat(response.statusCode()).isIn(404, 405);
        assertThat(JSON.readTree(response.body()).at("/error/code").asText()).isEqualTo("unknown_url");
    }

    @Test
    void shouldAnswerAWholeCallWithItsLengthWhenNotStreamed() throws Exception {
        HttpResponse<String> response = post(http, gateway.port(), "/v1/chat/completions", PLANNER,
                chat("sim-large", "hi", null, false));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        assertThat(response.headers().firstValueAsLong("Content-Length"))
                .hasValue(response.body().getBytes(StandardCharsets.UTF_8).length);
    }

    @Test
    void shouldServeACallWhenItsPathEndsWithASlash() throws Exception {
        HttpResponse<String> response = post(http, gateway.port(), "/v1/chat/completions/", PLANNER,
                chat("sim-large", "hi", null, false));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(response.body()).at("/model").asText()).isEqualTo("sim-large");
    }

    @Test
    void shouldListOnlyTheModelsAKeyMayUseWhenAskedForModels() throws Exception {
        HttpResponse<String> response = get(http, gateway.port(), "/v1/models", DEPLOYER);

        assertThat(response.statusCode()).isEqualTo(200);
        List<String> ids = JSON.readTree(response.body()).get("data").findValuesAsText("id");
        assertThat(ids).containsExactlyInAnyOrder("sim-small", "sim-local");
    }

    @Test
    void shouldShowEveryValueWithItsSourceWhenAnAdminAsksForAModel() throws Exception {
        JsonNode model = JSON.readTree(get(http, gateway.adminPort(), "/admin/models/sim-large", ADMIN_TOKEN).body());

        assertThat(model.at("/context_window/value").asInt()).isEqualTo(128_000);
        assertThat(model.at("/context_window/source").asText()).isEqualTo("config tollgate.yaml");
        JsonNode unknown = JSON.readTree(get(http, gateway.adminPort(), "/admin/models/gpt-4o-2024-11-20", ADMIN_TOKEN).body());
        assertThat(unknown.at("/context_window/source").asText()).isEqualTo("inference");
        assertThat(unknown.at("/input_price_micros_per_million/source").asText()).isEqualTo("bundled");
        JsonNode routed = JSON.readTree(get(http, gateway.adminPort(), "/admin/models/anthropic/claude-sonnet-4-5", ADMIN_TOKEN).body());
        assertThat(routed.at("/id").asText()).isEqualTo("anthropic/claude-sonnet-4-5");
        assertThat(routed.at("/tokenizer/value").asText()).isEqualTo("claude");
    }

    @Test
    void shouldExposeSpoolDepthAndRequestCountsWhenScraped() throws Exception {
        post(http, gateway.port(), "/v1/chat/completions", PLANNER, chat("sim-small", "hi", 1, false));

        String metrics = get(http, gateway.adminPort(), "/metrics", ADMIN_TOKEN).body();

        assertThat(metrics).contains("tollgate_gateway_spool_depth").contains("tollgate_gateway_requests_total")
                .contains("tollgate_gateway_overhead_seconds").contains("tollgate_gateway_upstream_latency_seconds");
        assertThat(get(http, gateway.adminPort(), "/health/ready", ADMIN_TOKEN).statusCode()).isEqualTo(200);
    }

    @Test
    void shouldMeterEmbeddingsWhenTheProviderAnswers() throws Exception {
        HttpResponse<String> response = post(http, gateway.port(), "/v1/embeddings", PLANNER,
                "{\"model\":\"sim-small\",\"input\":[\"abcdefgh\",\"abcd\"]}");

        assertThat(response.statusCode()).isEqualTo(200);
        UsageEvent resp = eventsOf(response.headers().firstValue("X-Tollgate-Call-Id").orElseThrow(), 2).get(1);
        assertThat(resp.getEndpoint().name()).isEqualTo("EMBEDDINGS");
        assertThat(resp.getPromptTokens()).isEqualTo(TokenFormula.embeddingTokens(List.of("abcdefgh", "abcd")));
        assertThat(resp.getCompletionTokens()).isZero();
    }
}
