package io.tollgate.gateway.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tollgate.localstack.junit.KafkaExtension;
import io.tollgate.localstack.junit.SharedKafka;
import io.tollgate.policy.records.PolicyRecords;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.Policy;
import io.tollgate.schemas.policy.TollgateConfig;
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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A running gateway follows what {@code tollgate policy apply} changes on {@code tollgate.policies.v1}: a model
 * added is served, and changed routing is obeyed, without a restart.
 */
@ExtendWith(KafkaExtension.class)
class LivePolicyIT {

    private static BoundaryStack stack;
    private static SharedKafka kafka;

    @BeforeAll
    static void start(SharedKafka shared, @TempDir Path dir) {
        kafka = shared;
        kafka.createTopics(1);
        stack = BoundaryStack.start(kafka, dir, "live-it", Map.of("TOLLGATE_RETRY_MAX_ATTEMPTS", "1"));
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    private static void publish(String key, Object variant) throws Exception {
        try (KafkaProducer<String, Policy> producer = new KafkaProducer<>(kafka.producerProperties(),
                new StringSerializer(), kafka.topics().policies().valueSerde().serializer())) {
            producer.send(new ProducerRecord<>(Topics.POLICIES, key, Policy.newBuilder().setPolicy(variant)
                    .setSource("live-it.yaml").setUpdatedAt(System.currentTimeMillis()).build())).get();
        }
    }

    @Test
    void shouldServeAModelAddedByPolicyApplyWithoutARestart() throws Exception {
        // Given a model the running gateway does not know
        HttpResponse<String> before = stack.post("open", "/v1/chat/completions", BoundaryStack.chat("sim-live-new", "hi", 4));
        assertThat(before.statusCode()).isEqualTo(404);

        // When policy apply publishes it
        publish(PolicyRecords.modelKey("sim-live-new"), PolicyRecords.modelPolicy(new TollgateConfig.Model("sim-live-new",
                "simulated", null, 128_000, 16_384, "o200k_base", 100_000L, 400_000L, null, "small")));

        // Then the same gateway serves it, priced as published
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            HttpResponse<String> after = stack.post("open", "/v1/chat/completions",
                    BoundaryStack.chat("sim-live-new", "hi", 4));
            assertThat(after.statusCode()).isEqualTo(200);
            assertThat(after.headers().firstValue("X-Tollgate-Model")).contains("sim-live-new");
        });
    }

    @Test
    void shouldCascadeByTheNewFallbackChainWhenRoutingChangesWithoutARestart() throws Exception {
        // Given sim-large falls back to sim-medium first, as the stack's policy says
        stack.provider.scenario().serverErrorNext(1);
        HttpResponse<String> before = stack.post("open", "/v1/chat/completions", BoundaryStack.chat("sim-large", "hi", 4));
        assertThat(before.headers().firstValue("X-Tollgate-Model")).contains("sim-medium");

        // When policy apply publishes routing in which sim-large falls back to sim-small
        TollgateConfig.Routing routing = stack.policy.routing();
        publish(PolicyRecords.ROUTING_KEY, PolicyRecords.routingPolicy(new TollgateConfig.Routing(
                Map.of("sim-large", List.of("sim-small")), routing.localFallback(), routing.complexityTiers(),
                routing.autoWait(), routing.maxWaitSeconds())));

        // Then the running gateway cascades by the new chain
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            stack.provider.scenario().serverErrorNext(1);
            HttpResponse<String> after = stack.post("open", "/v1/chat/completions",
                    BoundaryStack.chat("sim-large", "hi", 4));
            assertThat(after.statusCode()).isEqualTo(200);
            assertThat(after.headers().firstValue("X-Tollgate-Model")).contains("sim-small");
            assertThat(after.headers().firstValue("X-Tollgate-Route")).hasValueSatisfying(
                    r -> assertThat(r).contains("fallback of sim-large"));
        });
    }
}
