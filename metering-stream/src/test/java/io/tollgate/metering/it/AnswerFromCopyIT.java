package io.tollgate.metering.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tollgate.localstack.junit.KafkaExtension;
import io.tollgate.localstack.junit.SharedKafka;
import io.tollgate.metering.MeteringApplication;
import io.tollgate.metering.PricedEvents;
import io.tollgate.metering.config.MeteringConfigLoader;
import io.tollgate.metering.query.QueryServer;
import io.tollgate.metering.topology.DailyQuotaTopology;
import io.tollgate.metering.topology.RatesTopology;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.Phase;
import io.tollgate.schemas.avro.UsageEvent;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A key query whose owner cannot answer (here: the owner advertises an address nothing listens on, as a killed
 * instance would until the group notices) is answered from a standby replica that has caught up, marked with
 * {@link QueryServer#COPY_HEADER}, also while a transaction is open on the changelog (a killed owner leaves one);
 * without standby replicas it is a 503.
 */
@ExtendWith(KafkaExtension.class)
class AnswerFromCopyIT {

    private static final String OPERATOR_TOKEN = "metering-it-operator-token";

    private static final int KEYS = 12;
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void shouldAnswerFromAStandbyCopyWhenTheOwnerCannotAnswer(SharedKafka kafka, @TempDir Path state) throws Exception {
        kafka.createTopics(2);
        String run = UUID.randomUUID().toString().substring(0, 8);
        long[] tokens = produce(kafka, run);
        Map<Integer, Integer> statuses = queryThroughSurvivor(kafka, run, "1", state.resolve("standby"), tokens, false);

        // every key is answered: the survivor's own from its active stores, the other's from its standby copies
        assertThat(statuses).containsOnlyKeys(200);
        assertThat(statuses.get(200)).isEqualTo(KEYS);
    }

    @Test
    void shouldAnswerFromACopyWithEveryCommittedRecordWhileATransactionIsOpenOnTheChangelog(SharedKafka kafka,
                                                                                         @TempDir Path state)
            throws Exception {
        kafka.createTopics(2);
        String run = UUID.randomUUID().toString().substring(0, 8);
        long[] tokens = produce(kafka, run);

        // records of a transaction left open on every partition of the stores' changelogs, as an owner killed
        // mid-transaction leaves them: the copies cannot read past them, and their lag to the log end stays above 1
        Map<Integer, Integer> statuses = queryThroughSurvivor(kafka, run, "1", state.resolve("open"), tokens, true);

        // every key is still answered, exactly: the copies hold every committed record
        assertThat(statuses).containsOnlyKeys(200);
        assertThat(statuses.get(200)).isEqualTo(KEYS);
    }

    @Test
    void shouldAnswer503WhenTheOwnerCannotAnswerAndNoCopyIsHeld(SharedKafka kafka, @TempDir Path state) throws Exception {
        kafka.createTopics(2);
        String run = UUID.randomUUID().toString().substring(0, 8);
        long[] tokens = produce(kafka, run);
        Map<Integer, Integer> statuses = queryThroughSurvivor(kafka, run, "0", state.resolve("none"), tokens, false);

        assertThat(statuses).containsKeys(200, 503);
    }

    /** Instance A advertises a dead address; asks B every key's day total; answer status -> how many keys. */
    private Map<Integer, Integer> queryThroughSurvivor(SharedKafka kafka, String run, String standby, Path state,
                                                      long[] tokens, boolean openTransaction) throws Exception {
        String appId = "metering-copy-" + standby + "-" + run;
        int deadPort;
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        Map<String, String> keys = new HashMap<>(Map.of("application.id", appId, "schema.registry.url", kafka.registryUrl(),
                "metering.http.host", "127.0.0.1", "metering.http.port", "0", "metering.standby.replicas", standby,
                "metering.create.topics", "false", "operator.token", OPERATOR_TOKEN));
        Map<String, String> kafkaProps = Map.of("bootstrap.servers", kafka.bootstrapServers());
        keys.put("state.dir", state.resolve("a").toString());
        keys.put("metering.advertised.url", "http://127.0.0.1:" + deadPort);
        try (MeteringApplication a = new MeteringApplication(MeteringConfigLoader.fromMaps(keys, kafkaProps)).start()) {
            keys.put("state.dir", state.resolve("b").toString());
            keys.remove("metering.advertised.url");
            try (MeteringApplication b = new MeteringApplication(MeteringConfigLoader.fromMaps(keys, kafkaProps)).start()) {
                URI base = b.advertisedUrl();
                // both running, B's own keys exact, and A owns some keys (B forwards those to A's dead address)
                await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                    assertThat(a.state()).as("instance A").isEqualTo(KafkaStreams.State.RUNNING);
                    assertThat(b.state()).as("instance B").isEqualTo(KafkaStreams.State.RUNNING);
                    assertThat(body(base, "/instances").split("\"host\"")).as("instances B knows").hasSize(3);
                    assertThat(ownAnswersExact(base, run, tokens)).as("B answers its own keys exactly: "
                            + statuses(base, run, tokens)).isTrue();
                });
                if (standby.equals("1")) {
                    // the standby copies catch up with their changelogs within a few commits
                    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                            .untilAsserted(() -> assertThat(statuses(base, run, tokens)).containsOnlyKeys(200));
                    assertThat(fromCopy(base, run)).as("keys answered from a copy").isPositive();
                }
                if (openTransaction) {
                    try (KafkaProducer<String, byte[]> open = openTransaction(kafka, appId)) {
                        return statuses(base, run, tokens);
                    }
                }
                return statuses(base, run, tokens);
            }
        }
    }

    private Map<Integer, Integer> statuses(URI base, String run, long[] tokens) throws Exception {
        Map<Integer, Integer> statuses = new HashMap<>();
        for (int key = 0; key < KEYS; key++) {
            HttpResponse<String> r = get(base, "/v1/keys/copy-" + run + "-" + key + "/daily");
            statuses.merge(r.statusCode(), 1, Integer::sum);
            if (r.statusCode() == 200) {
                assertThat(r.body()).contains("\"tokens\":" + tokens[key] + "}");
            }
        }
        return statuses;
    }

    private int fromCopy(URI base, String run) throws Exception {
        int fromCopy = 0;
        for (int key = 0; key < KEYS; key++) {
            HttpResponse<String> r = get(base, "/v1/keys/copy-" + run + "-" + key + "/daily");
            fromCopy += r.headers().firstValue(QueryServer.COPY_HEADER).isPresent() ? 1 : 0;
        }
        return fromCopy;
    }

    /** Keys that B answers itself (not 503) are exact; true once at least one key is answered. */
    private boolean ownAnswersExact(URI base, String run, long[] tokens) throws Exception {
        int answered = 0;
        for (int key = 0; key < KEYS; key++) {
            HttpResponse<String> r = get(base, "/v1/keys/copy-" + run + "-" + key + "/daily");
            if (r.statusCode() == 200 && r.headers().firstValue(QueryServer.COPY_HEADER).isEmpty()) {
                if (!r.body().contains("\"tokens\":" + tokens[key] + "}")) {
                    return false;
                }
                answered++;
            }
        }
        return answered > 0;
    }

    private long[] produce(SharedKafka kafka, String run) throws Exception {
        long[] tokens = new long[KEYS];
        Instant now = Instant.now();
        try (KafkaProducer<String, UsageEvent> producer = new KafkaProducer<>(kafka.producerProperties(),
                new StringSerializer(), kafka.topics().usage().valueSerde().serializer())) {
            for (int key = 0; key < KEYS; key++) {
                long reserved = 100 + key;
                UsageEvent request = PricedEvents.priced(UsageEvent.newBuilder().setEventId(UUID.randomUUID().toString())
                        .setCallId("copy-call-" + key).setPhase(Phase.REQUEST).setTimestamp(now)
                        .setApiKeyId("copy-" + run + "-" + key).setTenant("acme").setTeam("t").setAgent("a")
                        .setRequestedModel("m").setModel("m").setReservedPromptTokens(reserved / 2)
                        .setReservedCompletionTokens(reserved - reserved / 2).setReservedTokens(reserved)
                        .setReservedCostMicros(reserved * 3).build());
                producer.send(new ProducerRecord<>(Topics.USAGE, request.getApiKeyId(), request)).get();
                tokens[key] = reserved;
            }
        }
        return tokens;
    }

    /**
     * A transactional producer with three records, not committed, on every partition of the changelogs of the stores
     * a key's day total is read from (the rates store decides ownership and copies, the daily store holds the totals).
     */
    private static KafkaProducer<String, byte[]> openTransaction(SharedKafka kafka, String appId) {
        Map<String, Object> props = new HashMap<>(kafka.producerProperties());
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "open-" + appId);
        props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 60_000);
        KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(),
                new ByteArraySerializer());
        producer.initTransactions();
        producer.beginTransaction();
        for (String store : List.of(RatesTopology.RATES_STORE, DailyQuotaTopology.DAILY_STORE)) {
            String changelog = appId + "-" + store + "-changelog";
            for (PartitionInfo partition : producer.partitionsFor(changelog)) {
                // more records than a caught-up copy may lag by: the log end alone would call every copy behind
                for (int i = 0; i < 3; i++) {
                    producer.send(new ProducerRecord<>(changelog, partition.partition(), "never-committed",
                            new byte[] {1}));
                }
            }
        }
        producer.flush();
        return producer;
    }

    private String body(URI base, String path) throws Exception {
        return get(base, path).body();
    }

    private HttpResponse<String> get(URI base, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(base.resolve(path))
                .header("Authorization", "Bearer " + OPERATOR_TOKEN).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
