package io.tollgate.gateway.it;

import static io.tollgate.gateway.it.BoundaryStack.chat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.gateway.routing.Commands;
import io.tollgate.localstack.junit.KafkaExtension;
import io.tollgate.localstack.junit.SharedKafka;
import io.tollgate.policy.scope.Keys;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.Phase;
import io.tollgate.schemas.avro.RoutingCommand;
import io.tollgate.schemas.avro.ScopeType;
import io.tollgate.schemas.avro.UsageEvent;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
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
import org.junit.jupiter.params.provider.ValueSource;

/**
 * No silent substitution, on the real control plane: a name nobody could call is refused before
 * routing (so neither the local fallback nor a downgrade stands in for it), unpriced models are
 * refused and never routed to, and the models that do stand in say why: the context window, the
 * limit hit.
 */
@ExtendWith(KafkaExtension.class)
class ModelResolutionIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration PATIENCE = Duration.ofSeconds(30);
    private static SharedKafka kafka;
    private static BoundaryStack stack;
    private static GatewayFixture.UsageReader usage;

    @BeforeAll
    static void start(SharedKafka shared, @TempDir Path dir) {
        kafka = shared;
        kafka.createTopics(1);
        stack = BoundaryStack.start(kafka, dir, "resolve-it", Map.of());
        usage = new GatewayFixture.UsageReader(kafka.bootstrapServers(), kafka.topics());
    }

    @AfterAll
    static void stop() {
        usage.close();
        stack.close();
    }

    @BeforeEach
    void reset() {
        stack.provider.scenario().reset();
        stack.provider.counters().reset();
    }

    private static JsonNode error(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body()).get("error");
    }

    private static List<UsageEvent> responses(HttpResponse<String> r) {
        String callId = r.headers().firstValue("X-Tollgate-Call-Id").orElseThrow();
        return await().atMost(PATIENCE).until(() -> usage.forCall(callId).stream()
                .filter(e -> e.getPhase() == Phase.RESPONSE).toList(), l -> !l.isEmpty());
    }

    @ParameterizedTest
    @ValueSource(strings = {"no-such-model", "gpt-4o", "claude-3-7-sonnet-latest"})
    void shouldAnswer404AndForwardNothingWhenTheModelIsUnknownAlthoughALocalFallbackIsConfigured(String model)
            throws Exception {
        // When (gpt-4o and claude are priced by the bundled table, but no configured provider serves them)
        HttpResponse<String> r = stack.post("open", "/v1/chat/completions", chat(model, "hi", 4));

        // Then
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(error(r).get("code").asText()).isEqualTo("model_not_found");
        assertThat(error(r).get("param").asText()).isEqualTo("model");
        assertThat(error(r).get("message").asText()).contains(model);
        assertThat(r.headers().firstValue("X-Tollgate-Fallback")).isEmpty();
        assertThat(stack.provider.counters().total().requests()).isZero();
    }

    @Test
    void shouldRefuseAnUnpricedModelSayingHowToPriceItAndNeverRouteToIt() throws Exception {
        // When the unpriced model is asked for by name
        HttpResponse<String> r = stack.post("open", "/v1/chat/completions", chat("sim-unpriced", "hi", 4));

        // Then it is refused with every way to price it, and nothing reaches the provider
        assertThat(r.statusCode()).isEqualTo(403);
        JsonNode error = error(r);
        assertThat(error.get("code").asText()).isEqualTo("model_not_priced");
        assertThat(error.get("message").asText()).contains("sim-unpriced").contains("models[].price")
                .contains("TOLLGATE_MODEL_PRICE_INPUT_SIM_UNPRICED").contains("TOLLGATE_MODEL_PRICE_OUTPUT_SIM_UNPRICED")
                .contains("tollgate-models.json").contains("discovery");
        assertThat(stack.provider.counters().total().requests()).isZero();

        // and the admin view and the model list say so
        JsonNode admin = JSON.readTree(stack.admin("/admin/models/sim-unpriced").body());
        assertThat(admin.get("priced").asBoolean()).isFalse();
        assertThat(admin.get("unpriced").asText()).contains("TOLLGATE_MODEL_PRICE_INPUT_SIM_UNPRICED");
        assertThat(JSON.readTree(stack.admin("/admin/models/sim-small").body()).get("priced").asBoolean()).isTrue();
        assertThat(stack.get("open", "/v1/models").body()).contains("\"sim-small\"").doesNotContain("sim-unpriced");

        // and routing by tier takes the cheapest priced small model, never the one priced 0 by default
        HttpResponse<String> auto = stack.post("open", "/v1/chat/completions", chat("small", "hi", 4));
        assertThat(auto.statusCode()).isEqualTo(200);
        assertThat(auto.headers().firstValue("X-Tollgate-Model")).contains("sim-small-8k");
        assertThat(stack.provider.counters().forModel("sim-unpriced").requests()).isZero();
    }

    @Test
    void shouldRefuseAModelTheKeyMayNotUseRatherThanServeAFallbackItMay() throws Exception {
        // Given a key that may use sim-small only, which is in sim-large's fallback chain
        HttpResponse<String> r = stack.post("restricted", "/v1/chat/completions", chat("sim-large", "hi", 4));

        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(error(r).get("code").asText()).isEqualTo("model_not_allowed");
        assertThat(stack.provider.counters().total().requests()).isZero();
        assertThat(stack.post("restricted", "/v1/chat/completions", chat("sim-small", "hi", 4)).statusCode())
                .isEqualTo(200);
    }

    @Test
    void shouldServeTheDowngradeForCallableModelsOnlyWhenADowngradeIsInForce() throws Exception {
        // Given a DOWNGRADE to sim-small for the key's team, in force
        try (KafkaProducer<String, RoutingCommand> producer = new KafkaProducer<>(kafka.producerProperties(),
                new StringSerializer(), kafka.topics().commands().valueSerde().serializer())) {
            RoutingCommand downgrade = Commands.downgrade(ScopeType.TEAM, stack.key("down") + "-team", "sim-small");
            producer.send(new ProducerRecord<>(Topics.COMMANDS,
                    Keys.scope(downgrade.getScopeType(), downgrade.getScopeId()), downgrade)).get();
        }
        await().atMost(PATIENCE).until(() -> stack.post("down", "/v1/chat/completions", chat("sim-large", "hi", 4))
                .headers().firstValue("X-Tollgate-Model").orElse("").equals("sim-small"));
        stack.provider.counters().reset();

        // When the team asks for names nobody could call
        HttpResponse<String> unknown = stack.post("down", "/v1/chat/completions", chat("no-such-model", "hi", 4));
        HttpResponse<String> unpriced = stack.post("down", "/v1/chat/completions", chat("sim-unpriced", "hi", 4));

        // Then they are refused as for anyone, not served by the downgrade's model
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(error(unknown).get("code").asText()).isEqualTo("model_not_found");
        assertThat(unpriced.statusCode()).isEqualTo(403);
        assertThat(stack.provider.counters().total().requests()).isZero();
        // while a callable model is still downgraded, and says so
        HttpResponse<String> downgraded = stack.post("down", "/v1/chat/completions", chat("sim-large", "hi", 4));
        assertThat(downgraded.headers().firstValue("X-Tollgate-Route").orElseThrow())
                .contains("reason=downgrade by command DOWNGRADE-TEAM-" + stack.key("down") + "-team");
    }

    @Test
    void shouldTakeTheCheapestModelWhoseWindowFitsWhenThePromptIsTooLongForTheRequestedModel() throws Exception {
        // Given about 10 000 prompt tokens for sim-small-8k's 8 192
        String prompt = "word ".repeat(10_000);

        // When
        HttpResponse<String> r = stack.post("open", "/v1/chat/completions", chat("sim-small-8k", prompt, 100));

        // Then the cheapest small model that fits serves it, and the route reason and the events say why
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("X-Tollgate-Model")).contains("sim-small");
        assertThat(r.headers().firstValue("X-Tollgate-Fallback")).contains("true");
        assertThat(r.headers().firstValue("X-Tollgate-Route").orElseThrow())
                .endsWith("reason=context window: sim-small-8k too small -> sim-small");
        assertThat(JSON.readTree(r.body()).get("model").asText()).isEqualTo("sim-small");
        UsageEvent response = responses(r).get(0);
        assertThat(response.getRoutingReason()).isEqualTo("context window: sim-small-8k too small -> sim-small");
        assertThat(response.getFallback()).isTrue();
        assertThat(response.getFallbackFrom()).isEqualTo("sim-small-8k");
        assertThat(stack.provider.counters().forModel("sim-small-8k").requests()).isZero();
    }

    @Test
    void shouldAnswerTheContextErrorWhenNoModelOfTheSameOrAHigherTierFits() throws Exception {
        // When 20 000 output tokens are asked of a tier whose models write at most 16 384
        HttpResponse<String> r = stack.post("open", "/v1/chat/completions", chat("sim-small-8k", "hi", 20_000));

        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(error(r).get("code").asText()).isEqualTo("context_length_exceeded");
        assertThat(error(r).get("message").asText()).contains("sim-small-8k").contains("8192");
        assertThat(stack.provider.counters().total().requests()).isZero();
    }

    @Test
    void shouldNameTheModelLeftAndTheLimitWhenAFallbackServesACallOverQuota() throws Exception {
        // Given rpm 1 on sim-large, used by a first call
        HttpResponse<String> first = stack.post("one", "/v1/chat/completions", chat("sim-large", "hi", 4));
        assertThat(first.headers().firstValue("X-Tollgate-Route").orElseThrow()).endsWith("reason=requested");

        // When the second comes within the minute
        HttpResponse<String> second = stack.post("one", "/v1/chat/completions", chat("sim-large", "hi", 4));

        // Then the chain's next model serves it, and the reason names what happened
        assertThat(second.headers().firstValue("X-Tollgate-Model")).contains("sim-medium");
        assertThat(second.headers().firstValue("X-Tollgate-Route").orElseThrow())
                .endsWith("reason=fallback of sim-large: rpm");
        assertThat(responses(second).get(0).getRoutingReason()).isEqualTo("fallback of sim-large: rpm");
    }
}
