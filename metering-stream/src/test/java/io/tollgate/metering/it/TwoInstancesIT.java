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
import io.tollgate.policy.window.TrailingWindow;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.CallStatus;
import io.tollgate.schemas.avro.Phase;
import io.tollgate.schemas.avro.UsageEvent;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two metering instances in one JVM on the embedded broker: 100k events over 200 keys, every key asked of
 * either instance gives exact totals; one instance stops, the other takes over, more events and repeats
 * arrive, totals are still exact (nothing lost, nothing counted twice).
 */
@ExtendWith(KafkaExtension.class)
class TwoInstancesIT {

    /** Shared by both instances: each forwards queries to the other with it. */
    private static final String OPERATOR_TOKEN = "two-instances-it-operator-token";

    private static final int KEYS = 200;
    private static final int CALLS = 50_000; // a REQUEST and a RESPONSE each: 100k events
    /**
     * The events' first time: 30 s ago, not a fixed date, because usage topics are shared with the module's other
     * ITs, whose events are dated when they ran: per-minute buckets are kept only 130 s behind a partition's newest
     * event, so events that start much earlier would lose their oldest buckets. The 100 s of events then reach up to
     * 70 s ahead of the clock (believed: within metering.max.future.skew). {@link #clearOfMidnight} keeps all of them
     * in one UTC day. Instance fields: a class initializer must not wait with Awaitility (its poller thread would wait
     * for the class).
     */
    private final Instant firstEvent = clearOfMidnight();
    private final String dayKey = firstEvent.toString().substring(0, 10);

    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();
    private final long[] requests = new long[KEYS];
    private final long[] tokens = new long[KEYS];
    private final long[] cost = new long[KEYS];
    private final List<UsageEvent> sent = new ArrayList<>();
    private long clock = firstEvent.toEpochMilli();

    /** 30 s ago, once that and the next three minutes fall in one UTC day. */
    private static Instant clearOfMidnight() {
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            Instant start = Instant.now().minus(Duration.ofSeconds(30));
            return start.truncatedTo(java.time.temporal.ChronoUnit.DAYS)
                    .equals(start.plus(Duration.ofMinutes(3)).truncatedTo(java.time.temporal.ChronoUnit.DAYS));
        });
        return Instant.now().minus(Duration.ofSeconds(30)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    }

    @Test
    void shouldAnswerExactTotalsFromEitherInstanceAndAfterFailover(SharedKafka kafka, @TempDir Path stateA,
                                                                  @TempDir Path stateB) throws Exception {
        // Given two instances of one application
        kafka.createTopics(4);
        String appId = "metering-it-" + UUID.randomUUID().toString().substring(0, 8);
        MeteringApplication a = new MeteringApplication(config(kafka, appId, stateA)).start();
        MeteringApplication b = new MeteringApplication(config(kafka, appId, stateB)).start();
        try (KafkaProducer<String, UsageEvent> producer = new KafkaProducer<>(kafka.producerProperties(),
                new StringSerializer(), kafka.topics().usage().valueSerde().serializer())) {
            await().atMost(Duration.ofSeconds(60)).until(() -> a.state() == KafkaStreams.State.RUNNING
                    && b.state() == KafkaStreams.State.RUNNING);

            // When 100k events over 200 keys arrive
            produceCalls(producer, 0, CALLS);

            // Then both instances answer every key with exact day totals and spend
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(2))
                    .untilAsserted(() -> assertExactTotals(a.advertisedUrl()));
            assertExactTotals(b.advertisedUrl());
            JsonNode instances = get(a.advertisedUrl(), "/instances");
            assertThat(instances.get("instances")).hasSize(2);
            assertRatesAndWaitTime(a.advertisedUrl());
            assertRatesAndWaitTime(b.advertisedUrl());
            JsonNode health = get(b.advertisedUrl(), "/v1/model-health");
            // the shared usage topic also holds other tests' events, of their own models
            assertThat(health).extracting(h -> h.get("model").asText()).containsSubsequence("m0", "m1", "m2");
            // the 100 s of events fall into one or two 5-minute windows; every third call went to m1
            JsonNode m1 = get(a.advertisedUrl(), "/v1/model-health?model=m1&windows=3");
            assertThat(m1.size()).isBetween(1, 2);
            long m1Calls = 0;
            for (JsonNode window : m1) {
                m1Calls += window.get("calls").asLong();
            }
            assertThat(m1Calls).isEqualTo(CALLS / 3 + (CALLS % 3 > 1 ? 1 : 0));
            assertThat(http.send(HttpRequest.newBuilder(a.advertisedUrl().resolve("/metrics"))
                    .header("Authorization", "Bearer " + OPERATOR_TOKEN).build(),
                    HttpResponse.BodyHandlers.ofString()).body()).contains("tollgate_metering_dead_letters_total");

            // When one instance stops and more events plus repeats of counted ones arrive
            a.close();
            produceCalls(producer, CALLS, 5_000);
            for (UsageEvent repeat : sent.subList(0, 1_000)) {
                producer.send(new ProducerRecord<>(Topics.USAGE, repeat.getApiKeyId(), repeat));
            }
            producer.flush();

            // Then the survivor owns everything and every total is still exact
            await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(2))
                    .untilAsserted(() -> assertExactTotals(b.advertisedUrl()));
            assertThat(b.metrics().get("tollgate.metering.duplicates").counter().count()).isGreaterThanOrEqualTo(1_000);
        } finally {
            a.close();
            b.close();
        }
    }

    private MeteringConfig config(SharedKafka kafka, String appId, Path stateDir) {
        return MeteringConfigLoader.fromMaps(Map.of(
                "application.id", appId,
                "schema.registry.url", kafka.registryUrl(),
                "metering.http.host", "127.0.0.1",
                "metering.http.port", "0",
                "state.dir", stateDir.toString(),
                "metering.standby.replicas", "1",
                "metering.create.topics", "false",
                "operator.token", OPERATOR_TOKEN),
                Map.of("bootstrap.servers", kafka.bootstrapServers()));
    }

    private void produceCalls(KafkaProducer<String, UsageEvent> producer, int from, int count) {
        for (int call = from; call < from + count; call++) {
            int key = call % KEYS;
            long reserved = 100 + call % 37;
            long actual = 20 + call % 151; // below and above the reservation: corrections of both signs
            long reservedCost = reserved * 3;
            long actualCost = actual * 3 + 1;
            UsageEvent request = UsageEvent.newBuilder().setEventId(UUID.randomUUID().toString())
                    .setCallId("call-" + call).setPhase(Phase.REQUEST).setTimestamp(Instant.ofEpochMilli(clock++))
                    .setApiKeyId("key-" + key).setTenant("acme").setTeam("team-" + key % 7).setAgent("agent-" + key % 13)
                    .setRequestedModel("m" + call % 3).setModel("m" + call % 3).setReservedPromptTokens(reserved / 2)
                    .setReservedCompletionTokens(reserved - reserved / 2).setReservedTokens(reserved)
                    .setReservedCostMicros(reservedCost).build();
            UsageEvent response = UsageEvent.newBuilder(request).setEventId(UUID.randomUUID().toString())
                    .setPhase(Phase.RESPONSE).setTimestamp(Instant.ofEpochMilli(clock++)).setTotalTokens(actual)
                    .setPromptTokens(actual / 2).setCachedPromptTokens(actual / 2)
                    .setCompletionTokens(actual - actual / 2).setCostMicros(actualCost)
                    .setStatus(CallStatus.SUCCESS).setLatencyMs(50 + call % 500).build();
            request = PricedEvents.priced(request);
            response = PricedEvents.priced(response);
            producer.send(new ProducerRecord<>(Topics.USAGE, request.getApiKeyId(), request));
            producer.send(new ProducerRecord<>(Topics.USAGE, response.getApiKeyId(), response));
            sent.add(request);
            sent.add(response);
            requests[key]++;
            tokens[key] += actual;
            cost[key] += actualCost;
        }
        producer.flush();
    }

    private void assertExactTotals(URI instance) throws IOException, InterruptedException {
        for (int key = 0; key < KEYS; key++) {
            JsonNode day = get(instance, "/v1/keys/key-" + key + "/daily?day=" + dayKey);
            assertThat(day.get("requests").asLong()).as("requests of key-%d", key).isEqualTo(requests[key]);
            assertThat(day.get("tokens").asLong()).as("tokens of key-%d", key).isEqualTo(tokens[key]);
            JsonNode spend = get(instance, "/v1/spend/api_key/key-" + key + "?period=DAY&key=" + dayKey);
            assertThat(spend.get("costMicros").asLong()).as("cost of key-%d", key).isEqualTo(cost[key]);
            assertThat(spend.get("inFlightMicros").asLong()).as("in flight of key-%d", key).isZero();
        }
    }

    /** Trailing-minute figures at a fixed instant, recomputed here from what was sent, for a few keys. */
    private void assertRatesAndWaitTime(URI instance) throws IOException, InterruptedException {
        long at = clock - 1;
        for (int key = 0; key < KEYS; key += 41) {
            long expectRequests = 0;
            long expectTokens = 0;
            for (UsageEvent e : sent) {
                long bucket = TrailingWindow.bucketOf(e.getTimestamp().toEpochMilli());
                if (e.getApiKeyId().equals("key-" + key) && TrailingWindow.counts(bucket, at)) {
                    boolean request = e.getPhase() == Phase.REQUEST;
                    expectRequests += request ? 1 : 0;
                    expectTokens += request ? e.getReservedTokens() : e.getTotalTokens() - e.getReservedTokens();
                }
            }
            JsonNode rate = get(instance, "/v1/keys/key-" + key + "/rates?at=" + at);
            assertThat(rate.get("requestsPerMinute").asLong()).isEqualTo(expectRequests);
            assertThat(rate.get("tokensPerMinute").asLong()).isEqualTo(expectTokens);
            JsonNode wait = get(instance, "/v1/keys/key-" + key + "/wait-time?at=" + at + "&tokens=10&rpm=" + expectRequests);
            assertThat(wait.get("fits").asBoolean()).isTrue();
            assertThat(wait.get("waitMillis").asLong()).isPositive()
                    .isLessThanOrEqualTo(TrailingWindow.WINDOW_MILLIS + TrailingWindow.BUCKET_MILLIS);
        }
    }

    private JsonNode get(URI instance, String path) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(instance.resolve(path))
                .header("Authorization", "Bearer " + OPERATOR_TOKEN).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("GET %s%s: %s", instance, path, response.body()).isEqualTo(200);
        return json.readTree(response.body());
    }
}
