package io.tollgate.metering.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.localstack.junit.KafkaExtension;
import io.tollgate.localstack.junit.SharedKafka;
import io.tollgate.metering.MeteringApplication;
import io.tollgate.metering.PricedEvents;
import io.tollgate.metering.config.MeteringConfig;
import io.tollgate.metering.config.MeteringConfigLoader;
import io.tollgate.policy.deadletter.DeadLetter;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.ApiKeyPolicy;
import io.tollgate.schemas.avro.CallStatus;
import io.tollgate.schemas.avro.Phase;
import io.tollgate.schemas.avro.Policy;
import io.tollgate.schemas.avro.UsageEvent;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue items 1 and 2 on the real broker: a usage event dated two hours ahead, an unreadable usage record, an
 * implausible one, and an unreadable and a key-mismatched policy record. Metering keeps RUNNING (also across a
 * restart on the same offsets), stays healthy, dead-letters each bad record with its reason, counts the rest
 * exactly, stamps nothing in the future, and answers for the call by id.
 */
@ExtendWith(KafkaExtension.class)
class PoisonRecordsIT {

    private static final String OPERATOR_TOKEN = "metering-it-operator-token";

    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();
    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final String key = "k-poison-" + run;

    @Test
    void shouldKeepRunningAndCountExactlyWhenPoisonRecordsArrive(SharedKafka kafka, @TempDir Path state) throws Exception {
        // Given one metering instance
        kafka.createTopics(2);
        String appId = "metering-poison-" + run;
        Instant start = Instant.now();
        MeteringApplication app = new MeteringApplication(config(kafka, appId, state)).start();
        try (KafkaProducer<String, UsageEvent> usage = new KafkaProducer<>(kafka.producerProperties(),
                new StringSerializer(), kafka.topics().usage().valueSerde().serializer());
             KafkaProducer<byte[], byte[]> raw = new KafkaProducer<>(kafka.producerProperties(),
                     new ByteArraySerializer(), new ByteArraySerializer())) {
            await().atMost(Duration.ofSeconds(60)).until(() -> app.state() == KafkaStreams.State.RUNNING);

            // When a served call, a REQUEST dated two hours ahead, an unreadable and an implausible usage record,
            // an unreadable policy and a policy whose content belongs under another key arrive
            Instant now = Instant.now();
            UsageEvent request = request("call-ok", now, 1000, 5000);
            UsageEvent response = response(request, now.plusMillis(300), 800, 3200);
            UsageEvent ahead = request("call-ahead", now.plus(Duration.ofHours(2)), 400, 2000);
            UsageEvent wrapped = UsageEvent.newBuilder(response(request("call-wrap", now, 100, 500), now, 100, 500))
                    .setEventId(UUID.randomUUID().toString()).setCostMicros(Long.MAX_VALUE - 5).build();
            for (UsageEvent e : List.of(request, response, ahead, wrapped)) {
                usage.send(new ProducerRecord<>(Topics.USAGE, key, e));
            }
            raw.send(new ProducerRecord<>(Topics.USAGE, bytes(key), bytes("{\"not\":\"avro\"}")));
            raw.send(new ProducerRecord<>(Topics.POLICIES, bytes("tenant:poison-" + run), bytes("garbage")));
            Policy victim = Policy.newBuilder().setPolicy(ApiKeyPolicy.newBuilder().setKeyId("k-victim-" + run)
                    .setKeyHash("00").setTenant("acme").setTeam("search").setAgent("crawler").setTier("free").build())
                    .build();
            raw.send(new ProducerRecord<>(Topics.POLICIES, bytes("key:k-intruder-" + run),
                    kafka.topics().policies().valueSerde().serializer().serialize(Topics.POLICIES, victim)));
            usage.flush();
            raw.flush();

            // Then the day counts the served call and the clamped REQUEST (at its ingest time), exactly
            URI base = app.advertisedUrl();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                JsonNode day = get(base, "/v1/keys/" + key + "/daily");
                assertThat(day.get("requests").asLong()).isEqualTo(2);
                assertThat(day.get("tokens").asLong()).isEqualTo(800 + 400);
                JsonNode spend = get(base, "/v1/spend/api_key/" + key);
                assertThat(spend.get("costMicros").asLong()).isEqualTo(3200 + 2000);
                assertThat(spend.get("inFlightMicros").asLong()).isEqualTo(2000);
                assertThat(spend.get("clampedEvents").asLong()).isEqualTo(1);
            });
            // and each bad record is a dead letter with its reason
            Map<String, String> reasons = deadLetterReasons(kafka, start);
            assertThat(reasons).containsEntry("usage:" + key + ":COST_MISMATCH", "COST_MISMATCH")
                    .containsEntry("usage:" + key + ":DESERIALIZATION", "DESERIALIZATION")
                    .containsEntry("policies:tenant:poison-" + run + ":UNREADABLE", "UNREADABLE")
                    .containsEntry("policies:key:k-intruder-" + run + ":KEY_MISMATCH", "KEY_MISMATCH");
            // and the service is healthy and ready, and wrote nothing stamped in the future
            assertThat(status(base, "/healthz")).isEqualTo(200);
            assertThat(status(base, "/readyz")).isEqualTo(200);
            assertThat(quotaStatusTimestamps(kafka)).isNotEmpty().allSatisfy(t ->
                    assertThat(t).isLessThanOrEqualTo(System.currentTimeMillis()));
            // and the call is retrievable by id with the figures that count for it
            JsonNode call = get(base, "/v1/keys/" + key + "/calls/" + request.getCallId());
            assertThat(call.get("costMicros").asLong()).isEqualTo(3200);
            assertThat(call.get("reservedCostMicros").asLong()).isEqualTo(5000);
            assertThat(call.get("inFlight").asBoolean()).isFalse();
            assertThat(call.get("attempts").get(0).get("status").asText()).isEqualTo("SUCCESS");
            assertThat(call.get("attempts").get(0).get("totalTokens").asLong()).isEqualTo(800);
            assertThat(status(base, "/v1/keys/" + key + "/calls/no-such-call")).isEqualTo(404);

            // When it restarts on the same committed offsets
            app.close();
            MeteringApplication again = new MeteringApplication(config(kafka, appId, state)).start();
            try {
                // Then it reaches RUNNING again (no crash loop) and the figures are unchanged
                await().atMost(Duration.ofSeconds(60)).until(() -> again.state() == KafkaStreams.State.RUNNING);
                URI second = again.advertisedUrl();
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                        assertThat(get(second, "/v1/keys/" + key + "/daily").get("tokens").asLong()).isEqualTo(1200));
                assertThat(status(second, "/healthz")).isEqualTo(200);
                assertThat(again.state()).isEqualTo(KafkaStreams.State.RUNNING);
            } finally {
                again.close();
            }
        } finally {
            app.close();
        }
    }

    private UsageEvent request(String callId, Instant at, long tokens, long cost) {
        return PricedEvents.priced(UsageEvent.newBuilder().setEventId(UUID.randomUUID().toString()).setCallId(callId)
                .setPhase(Phase.REQUEST).setTimestamp(at).setApiKeyId(key).setTenant("acme").setTeam("search")
                .setAgent("crawler").setRequestedModel("m").setModel("m").setReservedPromptTokens(tokens / 2)
                .setReservedCompletionTokens(tokens - tokens / 2).setReservedTokens(tokens).setReservedCostMicros(cost)
                .setContextWindow(128_000).setMaxOutputTokens(16_384).build());
    }

    private static UsageEvent response(UsageEvent request, Instant at, long total, long cost) {
        long prompt = Math.min(request.getReservedPromptTokens(), total);
        return PricedEvents.priced(UsageEvent.newBuilder(request).setEventId(UUID.randomUUID().toString())
                .setPhase(Phase.RESPONSE).setTimestamp(at).setPromptTokens(prompt).setCachedPromptTokens(prompt)
                .setCompletionTokens(total - prompt).setTotalTokens(total).setCostMicros(cost)
                .setStatus(CallStatus.SUCCESS).setLatencyMs(300).build());
    }

    /** Dead letters of this run, as "topic:key:reason" -> reason. */
    private Map<String, String> deadLetterReasons(SharedKafka kafka, Instant since) {
        Map<String, String> found = new java.util.TreeMap<>();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            for (ConsumerRecord<byte[], byte[]> r : readAll(kafka, Topics.DEAD_LETTER)) {
                String source = DeadLetter.header(r.headers(), Topics.DLQ_SOURCE_TOPIC_HEADER);
                String reason = DeadLetter.header(r.headers(), Topics.DLQ_REASON_HEADER);
                String k = r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
                if (r.timestamp() >= since.toEpochMilli() && k.contains(run) && source != null) {
                    found.put(source.replace("tollgate.", "").replace(".v1", "") + ":" + k + ":" + reason, reason);
                }
            }
            assertThat(found).hasSizeGreaterThanOrEqualTo(4);
        });
        return found;
    }

    private List<Long> quotaStatusTimestamps(SharedKafka kafka) {
        List<Long> stamps = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : readAll(kafka, Topics.QUOTA_STATUS)) {
            if (r.key() != null && new String(r.key(), StandardCharsets.UTF_8).startsWith(key + "|")) {
                stamps.add(r.timestamp());
            }
        }
        return stamps;
    }

    private static List<ConsumerRecord<byte[], byte[]>> readAll(SharedKafka kafka, String topic) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(kafka.consumerProperties("poison-" + UUID.randomUUID()),
                new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long idle = 0;
            while (idle < 3) {
                var batch = consumer.poll(Duration.ofMillis(500));
                idle = batch.isEmpty() ? idle + 1 : 0;
                batch.forEach(out::add);
            }
        }
        return out;
    }

    private MeteringConfig config(SharedKafka kafka, String appId, Path stateDir) {
        return MeteringConfigLoader.fromMaps(Map.of(
                "application.id", appId,
                "schema.registry.url", kafka.registryUrl(),
                "metering.http.host", "127.0.0.1",
                "metering.http.port", "0",
                "state.dir", stateDir.toString(),
                "metering.create.topics", "false", "operator.token", OPERATOR_TOKEN),
                Map.of("bootstrap.servers", kafka.bootstrapServers()));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private int status(URI base, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(base.resolve(path))
                .header("Authorization", "Bearer " + OPERATOR_TOKEN).GET().build(), HttpResponse.BodyHandlers.ofString())
                .statusCode();
    }

    private JsonNode get(URI base, String path) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(base.resolve(path))
                .header("Authorization", "Bearer " + OPERATOR_TOKEN).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET %s%s: %s", base, path, response.body()).isEqualTo(200);
        return json.readTree(response.body());
    }
}
