package io.tollgate.metering.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tollgate.localstack.junit.KafkaExtension;
import io.tollgate.localstack.junit.SharedKafka;
import io.tollgate.metering.PricedEvents;
import io.tollgate.metering.config.MeteringConfig;
import io.tollgate.metering.config.MeteringConfigLoader;
import io.tollgate.metering.metrics.MeteringMetrics;
import io.tollgate.metering.topology.IngestTopology;
import io.tollgate.metering.topology.MeteringTopology;
import io.tollgate.metering.topology.SpendTopology;
import io.tollgate.metering.it.CommittedLog.Published;
import io.tollgate.metering.topology.TopologySettings;
import io.tollgate.policy.deadletter.StreamsDeadLetters;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.CallStatus;
import io.tollgate.schemas.avro.PeriodType;
import io.tollgate.schemas.avro.Phase;
import io.tollgate.schemas.avro.ScopeType;
import io.tollgate.schemas.avro.SpendTotal;
import io.tollgate.schemas.avro.UsageEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Spend totals on the real broker when many events fall between two commits, which TopologyTestDriver (a commit
 * after every record) never has: the spend slices are summed in the pre-aggregator's fields and sent on at the
 * commit, the totals are held in a {@code DeferredStore} until the commit and published once per changed key and
 * commit (both through {@code CommitHook}). The published totals, read {@code read_committed}, must equal the sums of
 * the events exactly, each key must be published at most once per transaction, and the repartition topic between
 * the two steps must carry fewer records than there were events.
 *
 * <p>The application is Kafka Streams over {@link MeteringTopology} with the application's own properties, but a
 * commit interval of 2 s (above what {@link MeteringConfig} accepts for a service) so that a burst falls between few
 * commits, and no purge of repartition topics during the test, so that the repartition records can be counted. The
 * tenant, team, agent and API keys are this run's own, so no other test's events reach their totals. Transactions on
 * {@code tollgate.spend.v1} are told apart by their commit markers, as in {@link QuotaStatusAtCommitIT}.
 */
@ExtendWith(KafkaExtension.class)
class SpendAtCommitIT {

    private static final int WAVES = 4;
    private static final int CALLS_PER_WAVE = 75; // per API key; two keys, a REQUEST and a RESPONSE each: 1200 events
    private static final long COMMIT_INTERVAL_MS = 2_000;
    private static final String MODEL = "m";

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final String tenant = "t-spend-" + run;
    private final String team = "team-spend-" + run;
    private final String agent = "agent-spend-" + run;

    @Test
    void shouldPublishExactSpendTotalsOncePerKeyAndCommitWhenManyEventsFallBetweenCommits(
            SharedKafka kafka, @TempDir Path state) throws Exception {
        // Given metering with a 2 s commit interval, and two API keys of one tenant and team on both usage partitions
        kafka.createTopics(2);
        clearOfMidnight();
        String appId = "metering-spend-commit-" + run;
        Properties props = streamsProperties(kafka, state, appId);
        TopologySettings settings = TopologySettings.from(config(kafka, state, appId),
                new MeteringMetrics(new SimpleMeterRegistry()), Clock.systemUTC(), letter -> { });
        try (KafkaStreams streams = new KafkaStreams(MeteringTopology.build(settings), props);
             CommittedLog<SpendTotal> log = new CommittedLog<>(kafka, Topics.SPEND, "spend-commit-" + run,
                     kafka.topics().spend().valueSerde().deserializer(), k -> k.contains(run));
             KafkaProducer<String, UsageEvent> producer = new KafkaProducer<>(kafka.producerProperties(),
                     new StringSerializer(), kafka.topics().usage().valueSerde().serializer())) {
            streams.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> streams.state() == KafkaStreams.State.RUNNING);
            List<String> apiKeys = apiKeysOnEveryPartition(producer.partitionsFor(Topics.USAGE).size());

            // When 300 calls of each key (1200 events) are sent in 4 bursts, each once the previous one is counted
            Map<String, Sums> scopes = new LinkedHashMap<>();
            for (int wave = 0; wave < WAVES; wave++) {
                Map<String, Sums> sent = send(producer, apiKeys, wave * CALLS_PER_WAVE, (wave + 1) * CALLS_PER_WAVE);
                Sums all = sent.values().stream().reduce(Sums.NONE, Sums::plus);
                scopes.merge(scope(ScopeType.TENANT, tenant), all, Sums::plus);
                scopes.merge(scope(ScopeType.TEAM, team), all, Sums::plus);
                scopes.merge(scope(ScopeType.AGENT, agent), all, Sums::plus);
                sent.forEach((apiKey, sums) -> scopes.merge(scope(ScopeType.API_KEY, apiKey), sums, Sums::plus));
                // Then the latest day and month totals of the tenant, team, agent and each key come to the sums of the
                // costs and tokens of the calls sent, none in flight (waiting for them to be published)
                await().atMost(Duration.ofMinutes(2)).pollInSameThread().untilAsserted(() -> {
                    log.poll();
                    for (PeriodType period : List.of(PeriodType.DAY, PeriodType.MONTH)) {
                        scopes.forEach((scope, sums) -> assertThat(latest(log, scope, period))
                                .as("latest %s total of %s", period, scope).isNotNull()
                                .extracting(Sums::of).isEqualTo(sums));
                    }
                });
            }
            int events = 2 * CALLS_PER_WAVE * WAVES * apiKeys.size();
            // and each key was published at most once per transaction, in far fewer records than events
            Map<String, List<Published<SpendTotal>>> byKey = byKey(log);
            assertThat(byKey.keySet()).as("spend keys published").hasSize(2 * scopes.size());
            byKey.forEach((key, published) -> assertThat(published).extracting(Published::transaction)
                    .as("transactions of the totals of %s", key).doesNotHaveDuplicates());
            List<Published<SpendTotal>> tenantDay = byKey.get(latest(log, scope(ScopeType.TENANT, tenant), PeriodType.DAY)
                    .key());
            assertThat(tenantDay).as("the tenant's day totals").hasSizeLessThan(events / 10)
                    .extracting(Published::transaction).as("transactions of the tenant's day totals")
                    .hasSizeGreaterThanOrEqualTo(WAVES);
            // and the spend slices went through the repartition topic in fewer records than there were events
            long deltas = countRepartitioned(kafka, appId + "-" + SpendTopology.REPARTITION + "-repartition");
            assertThat(deltas).as("repartitioned spend deltas of this run").isPositive().isLessThan(events);
            // and a reservation opened and settled between two commits reached the changelog only for the calls whose
            // REQUEST and RESPONSE a commit fell between (the ingest step tells the store which keys it lacks)
            long reservations = countRepartitioned(kafka, appId + "-" + IngestTopology.PENDING_STORE + "-changelog");
            assertThat(reservations).as("reservation changelog records of this run's %d calls", events / 2)
                    .isLessThan(events / 8);
        }
    }

    private MeteringConfig config(SharedKafka kafka, Path state, String appId) {
        return MeteringConfigLoader.fromMaps(Map.of(
                "application.id", appId,
                "schema.registry.url", kafka.registryUrl(),
                "metering.http.host", "127.0.0.1",
                "metering.http.port", "0",
                "state.dir", state.toString(),
                "metering.create.topics", "false"),
                Map.of("bootstrap.servers", kafka.bootstrapServers()));
    }

    private Properties streamsProperties(SharedKafka kafka, Path state, String appId) {
        Properties props = config(kafka, state, appId).streamsProperties();
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, COMMIT_INTERVAL_MS);
        // the repartition records must stay to be counted
        props.put(StreamsConfig.REPARTITION_PURGE_INTERVAL_MS_CONFIG, Duration.ofHours(1).toMillis());
        StreamsDeadLetters.install(props, failure -> { }, letter -> { });
        return props;
    }

    /** One API key of this run for every usage partition, so the team's and tenant's slices come from every task. */
    private List<String> apiKeysOnEveryPartition(int partitions) {
        Map<Integer, String> keys = new TreeMap<>();
        for (int i = 0; keys.size() < partitions; i++) {
            String key = "k-spend-" + run + "-" + i;
            keys.putIfAbsent(Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8))) % partitions, key);
        }
        return List.copyOf(keys.values());
    }

    /** Sends calls {@code from} to {@code to} of each key, interleaved, and returns what each key's calls sum to. */
    private Map<String, Sums> send(KafkaProducer<String, UsageEvent> producer, List<String> apiKeys, int from, int to)
            throws Exception {
        Map<String, Sums> sums = new LinkedHashMap<>();
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        for (int call = from; call < to; call++) {
            for (String apiKey : apiKeys) {
                long reserved = 100 + call % 37;
                long actual = reserved + call % 35; // 100..170 tokens, priced as PricedEvents can
                long cost = actual * 3 + 1;
                // dated when sent: the partition's stream time, never ahead of the clock, is then within the grace
                Instant at = Instant.now();
                UsageEvent request = PricedEvents.priced(UsageEvent.newBuilder().setEventId(UUID.randomUUID().toString())
                        .setCallId("call-" + apiKey + "-" + call).setPhase(Phase.REQUEST).setTimestamp(at)
                        .setApiKeyId(apiKey).setTenant(tenant).setTeam(team).setAgent(agent).setRequestedModel(MODEL)
                        .setModel(MODEL).setReservedPromptTokens(reserved / 2)
                        .setReservedCompletionTokens(reserved - reserved / 2).setReservedTokens(reserved)
                        .setReservedCostMicros(reserved * 3).build());
                UsageEvent response = PricedEvents.priced(UsageEvent.newBuilder(request)
                        .setEventId(UUID.randomUUID().toString()).setPhase(Phase.RESPONSE).setTimestamp(at)
                        .setTotalTokens(actual).setPromptTokens(actual / 2).setCachedPromptTokens(actual / 2)
                        .setCompletionTokens(actual - actual / 2).setCostMicros(cost).setStatus(CallStatus.SUCCESS)
                        .setLatencyMs(50).build());
                sent.add(producer.send(new ProducerRecord<>(Topics.USAGE, apiKey, request)));
                sent.add(producer.send(new ProducerRecord<>(Topics.USAGE, apiKey, response)));
                sums.merge(apiKey, new Sums(cost, 0, 1, actual / 2, actual - actual / 2), Sums::plus);
            }
        }
        producer.flush();
        for (Future<RecordMetadata> f : sent) {
            f.get();
        }
        return sums;
    }

    /** The records of this run in a repartition or changelog topic, read read_committed from its start to its end. */
    private long countRepartitioned(SharedKafka kafka, String topic) {
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(
                kafka.consumerProperties("spend-repartition-" + run), new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long[] count = {0};
            await().atMost(Duration.ofSeconds(30)).pollInSameThread().until(() -> {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (r.key() != null && r.key().contains(run)) {
                        count[0]++;
                    }
                }
                return partitions.stream().allMatch(p -> consumer.position(p) >= end.get(p));
            });
            return count[0];
        }
    }

    private static String scope(ScopeType type, String id) {
        return type + "/" + id;
    }

    /**
     * Now, once now and the next three minutes fall in one UTC day: the events' day and month are then those of
     * their totals.
     */
    private static void clearOfMidnight() {
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            Instant now = Instant.now();
            return now.truncatedTo(ChronoUnit.DAYS).equals(now.plus(Duration.ofMinutes(3)).truncatedTo(ChronoUnit.DAYS));
        });
    }

    /** What a spend total counts, as far as this test checks it. */
    private record Sums(long costMicros, long inFlightMicros, long requests, long promptTokens, long completionTokens) {
        static final Sums NONE = new Sums(0, 0, 0, 0, 0);

        static Sums of(Published<SpendTotal> p) {
            SpendTotal t = p.value();
            return new Sums(t.getCostMicros(), t.getInFlightMicros(), t.getRequests(), t.getPromptTokens(),
                    t.getCompletionTokens());
        }

        Sums plus(Sums o) {
            return new Sums(costMicros + o.costMicros, inFlightMicros + o.inFlightMicros, requests + o.requests,
                    promptTokens + o.promptTokens, completionTokens + o.completionTokens);
        }
    }

    /** The last total published of the scope in the period; there must be only one key of it. */
    private static Published<SpendTotal> latest(CommittedLog<SpendTotal> log, String scope, PeriodType period) {
        List<Published<SpendTotal>> ofScope = log.records().stream().filter(p -> scope(p.value().getScopeType(),
                p.value().getScopeId()).equals(scope) && p.value().getPeriod() == period).toList();
        assertThat(ofScope.stream().map(Published::key).distinct()).as("%s keys of %s", period, scope)
                .hasSizeLessThanOrEqualTo(1);
        return ofScope.isEmpty() ? null : ofScope.get(ofScope.size() - 1);
    }

    private static Map<String, List<Published<SpendTotal>>> byKey(CommittedLog<SpendTotal> log) {
        Map<String, List<Published<SpendTotal>>> out = new LinkedHashMap<>();
        log.records().forEach(p -> out.computeIfAbsent(p.key(), k -> new ArrayList<>()).add(p));
        return out;
    }
}
