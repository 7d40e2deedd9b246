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
import io.tollgate.metering.topology.MeteringTopology;
import io.tollgate.metering.it.CommittedLog.Published;
import io.tollgate.metering.topology.TopologySettings;
import io.tollgate.policy.deadletter.StreamsDeadLetters;
import io.tollgate.policy.scope.Keys;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.CallStatus;
import io.tollgate.schemas.avro.Phase;
import io.tollgate.schemas.avro.QuotaStatus;
import io.tollgate.schemas.avro.UsageBucket;
import io.tollgate.schemas.avro.UsageEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Quota status published at the task's commit ({@code metering.status.emit=per-commit}) on the real broker, with
 * many events of one key between two commits, which TopologyTestDriver (a commit after every record) never has.
 * Every status read {@code read_committed} must count exactly the events up to the usage offset it names (the
 * gateway's check of which of its own calls a status includes), and each key is published at most once per
 * transaction, whatever the size of the record cache.
 *
 * <p>The application is Kafka Streams over {@link MeteringTopology} with the application's own properties, but a
 * commit interval of 2 s, above what {@link MeteringConfig} accepts for a service, so that a burst of events falls
 * between few commits. Transactions on {@code tollgate.quota-status.v1} are told apart by their commit markers: a
 * read_committed consumer sees every record of one transaction on a partition at consecutive offsets (one
 * producer writes that topic here), and a marker takes an offset after each transaction.
 */
@ExtendWith(KafkaExtension.class)
class QuotaStatusAtCommitIT {

    private static final int CALLS = 500; // a REQUEST and a RESPONSE each: 1000 events of one key in a burst
    private static final long COMMIT_INTERVAL_MS = 2_000;
    private static final String MODEL = "m";

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final String key = "k-commit-" + run;
    private final String modelKey = Keys.quota(key, MODEL);
    private final String allKey = Keys.quota(key, Keys.ALL_MODELS);
    /** The usage partitions the warm-up call and the key's events went to: one. */
    private final Set<Integer> usagePartitions = new TreeSet<>();

    @Test
    void shouldPublishEachChangedKeyOncePerCommitCountingExactlyUpToItsOffsetWhenEventsArriveInABurst(
            SharedKafka kafka, @TempDir Path state) throws Exception {
        // Given metering with a 2 s commit interval and a large record cache
        // When a call, then 500 more (1000 events) of one key arrive in a burst
        Run result = meter(kafka, state, 64L * 1024 * 1024);

        // Then every status counts exactly the events up to the offset it names, and the last ones count them all
        assertEveryStatusExact(result);
        assertLastStatusesCountEverything(result);
        // and each status key is published at most once per commit, its offsets increasing
        for (String statusKey : List.of(modelKey, allKey)) {
            List<Published<QuotaStatus>> ofKey = result.of(statusKey);
            assertThat(ofKey).extracting(Published::transaction).as("transactions of the statuses of %s", statusKey)
                    .doesNotHaveDuplicates();
            assertThat(ofKey).extracting(p -> p.value().getUsageOffset()).as("usage offsets of %s", statusKey)
                    .isSortedAccordingTo(Long::compare).doesNotHaveDuplicates();
        }
        // so far fewer statuses than the two per event that every-event would publish
        assertThat(result.statuses()).hasSizeLessThan(result.events().size() / 10);
    }

    /**
     * Record caches of no to a few hundred bytes: statuses do not go through a record cache (the changed keys are
     * held by the processor until the commit), so however small it is, a key is published at most once per
     * transaction.
     */
    @ParameterizedTest(name = "statestore.cache.max.bytes={0}")
    @ValueSource(longs = {0, 200, 1_000})
    void shouldPublishEachKeyAtMostOncePerTransactionAndExactlyWhenTheRecordCacheIsTiny(
            long cacheBytes, SharedKafka kafka, @TempDir Path state) throws Exception {
        // Given metering with a 2 s commit interval and a record cache of at most a few hundred bytes
        // When a call, then 500 more (1000 events) of one key arrive in a burst
        Run result = meter(kafka, state, cacheBytes);

        // Then every status counts exactly the events up to the offset it names, the last ones all of them
        assertEveryStatusExact(result);
        assertLastStatusesCountEverything(result);
        // and each status key is published at most once per transaction
        for (String statusKey : List.of(modelKey, allKey)) {
            assertThat(result.of(statusKey)).extracting(Published::transaction)
                    .as("transactions of the statuses of %s", statusKey).doesNotHaveDuplicates();
        }
        // and a key's offsets never go back
        for (String statusKey : List.of(modelKey, allKey)) {
            assertThat(result.of(statusKey)).extracting(p -> p.value().getUsageOffset())
                    .as("usage offsets of %s", statusKey).isSortedAccordingTo(Long::compare);
        }
    }

    /** Each status: the usage partition of the key's events, and buckets and day totals of the events up to its offset. */
    private void assertEveryStatusExact(Run result) {
        assertThat(result.statuses()).isNotEmpty().allSatisfy(p -> {
            QuotaStatus s = p.value();
            String what = p.key() + " at quota-status offset " + p.offset() + " naming usage offset " + s.getUsageOffset();
            assertThat(s.getUsagePartition()).as("usage partition of %s", what).isEqualTo(result.usagePartition());
            assertThat(result.events()).as("counted events of %s", what).containsKey(s.getUsageOffset());
            Totals expected = result.events().get(s.getUsageOffset());
            assertThat(s.getDayKey()).as("day of %s", what).isEqualTo(result.day());
            assertThat(new Totals(s.getDayRequests(), s.getDayTokens())).as("day totals of %s", what).isEqualTo(expected);
            long requests = 0;
            long tokens = 0;
            for (UsageBucket b : s.getBuckets()) {
                requests += b.getRequests();
                tokens += b.getTokens();
            }
            assertThat(new Totals(requests, tokens)).as("bucket sums of %s", what).isEqualTo(expected);
        });
    }

    private void assertLastStatusesCountEverything(Run result) {
        Map.Entry<Long, Totals> last = result.events().lastEntry();
        for (String statusKey : List.of(modelKey, allKey)) {
            List<Published<QuotaStatus>> ofKey = result.of(statusKey);
            assertThat(ofKey).as("statuses of %s", statusKey).isNotEmpty();
            QuotaStatus s = ofKey.get(ofKey.size() - 1).value();
            assertThat(s.getUsageOffset()).as("usage offset of the last status of %s", statusKey).isEqualTo(last.getKey());
            assertThat(new Totals(s.getDayRequests(), s.getDayTokens())).as("day totals of the last status of %s", statusKey)
                    .isEqualTo(last.getValue()).isEqualTo(new Totals(CALLS, last.getValue().tokens()));
        }
    }

    /**
     * Runs metering with the given record cache over one call of another key in the key's usage partition (waiting
     * for its status, so that the events the shared usage topic already holds there are counted), then over
     * {@link #CALLS} calls of the key sent at once, and returns every status of the key read read_committed until
     * both of its status keys name its last event.
     */
    private Run meter(SharedKafka kafka, Path state, long cacheBytes) throws Exception {
        kafka.createTopics(2);
        String day = clearOfMidnight().toString().substring(0, 10);
        MeteringConfig config = MeteringConfigLoader.fromMaps(Map.of(
                "application.id", "metering-status-commit-" + run,
                "schema.registry.url", kafka.registryUrl(),
                "metering.http.host", "127.0.0.1",
                "metering.http.port", "0",
                "state.dir", state.toString(),
                "metering.create.topics", "false",
                "metering.status.emit", "per-commit"),
                Map.of("bootstrap.servers", kafka.bootstrapServers(),
                        StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, Long.toString(cacheBytes)));
        TopologySettings settings = TopologySettings.from(config, new MeteringMetrics(new SimpleMeterRegistry()),
                Clock.systemUTC(), letter -> { });
        Properties props = config.streamsProperties();
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, COMMIT_INTERVAL_MS);
        StreamsDeadLetters.install(props, failure -> { }, letter -> { });
        NavigableMap<Long, Totals> events = new TreeMap<>();
        try (KafkaStreams streams = new KafkaStreams(MeteringTopology.build(settings), props);
             CommittedLog<QuotaStatus> log = new CommittedLog<>(kafka, Topics.QUOTA_STATUS, "status-commit-" + run,
                     kafka.topics().quotaStatus().valueSerde().deserializer(), k -> k.startsWith(key));
             KafkaProducer<String, UsageEvent> producer = new KafkaProducer<>(kafka.producerProperties(),
                     new StringSerializer(), kafka.topics().usage().valueSerde().serializer())) {
            streams.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> streams.state() == KafkaStreams.State.RUNNING);

            // the usage events the shared topic already holds in the key's partition are counted before the burst
            int partition = Utils.toPositive(Utils.murmur2(key.getBytes(StandardCharsets.UTF_8)))
                    % producer.partitionsFor(Topics.USAGE).size();
            String warmUpKey = key + "-warm-up";
            long warmUp = send(producer, warmUpKey, partition, 1, new TreeMap<>());
            await().atMost(Duration.ofMinutes(2)).pollInSameThread()
                    .until(() -> reached(log.poll(), Keys.quota(warmUpKey, Keys.ALL_MODELS), warmUp));

            send(producer, key, null, CALLS, events);
            long lastOffset = events.lastKey();
            await().atMost(Duration.ofMinutes(2)).pollInSameThread()
                    .until(() -> reached(log.poll(), modelKey, lastOffset) && reached(log, allKey, lastOffset));
            assertThat(usagePartitions).as("usage partitions of the warm-up call and the key's events")
                    .containsExactly(partition);
            return new Run(partition, day, events, log.records().stream()
                    .filter(p -> p.key().equals(modelKey) || p.key().equals(allKey)).toList());
        }
    }

    /**
     * Sends {@code calls} calls of {@code apiKey} (to {@code partition}, or its key's if null), records each event's
     * usage offset with the running totals, and returns the last offset.
     */
    private long send(KafkaProducer<String, UsageEvent> producer, String apiKey, Integer partition, int calls,
                      NavigableMap<Long, Totals> events) throws Exception {
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        List<Totals> deltas = new ArrayList<>();
        for (int call = 0; call < calls; call++) {
            long reserved = 100 + call % 37;
            long actual = reserved + call % 35; // 100..170 tokens, priced as PricedEvents can
            // dated when sent: the partition's stream time, never ahead of the clock, is then within the grace
            Instant at = Instant.now();
            UsageEvent request = PricedEvents.priced(UsageEvent.newBuilder().setEventId(UUID.randomUUID().toString())
                    .setCallId("call-" + apiKey + "-" + call).setPhase(Phase.REQUEST).setTimestamp(at).setApiKeyId(apiKey)
                    .setTenant("acme").setTeam("search").setAgent("crawler").setRequestedModel(MODEL).setModel(MODEL)
                    .setReservedPromptTokens(reserved / 2).setReservedCompletionTokens(reserved - reserved / 2)
                    .setReservedTokens(reserved).setReservedCostMicros(reserved * 3).build());
            UsageEvent response = PricedEvents.priced(UsageEvent.newBuilder(request)
                    .setEventId(UUID.randomUUID().toString()).setPhase(Phase.RESPONSE).setTimestamp(at)
                    .setTotalTokens(actual).setPromptTokens(actual / 2).setCachedPromptTokens(actual / 2)
                    .setCompletionTokens(actual - actual / 2).setCostMicros(actual * 3 + 1).setStatus(CallStatus.SUCCESS)
                    .setLatencyMs(50).build());
            sent.add(producer.send(new ProducerRecord<>(Topics.USAGE, partition, apiKey, request)));
            deltas.add(new Totals(1, reserved));
            sent.add(producer.send(new ProducerRecord<>(Topics.USAGE, partition, apiKey, response)));
            deltas.add(new Totals(0, actual - reserved));
        }
        producer.flush();
        Totals running = events.isEmpty() ? new Totals(0, 0) : events.lastEntry().getValue();
        for (int i = 0; i < sent.size(); i++) {
            RecordMetadata at = sent.get(i).get();
            running = running.plus(deltas.get(i));
            events.put(at.offset(), running);
            usagePartitions.add(at.partition());
        }
        return events.lastKey();
    }

    /**
     * Now, once now and the next three minutes fall in one UTC day: the day of the statuses (the stream time's)
     * is then the events' day.
     */
    private static Instant clearOfMidnight() {
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            Instant now = Instant.now();
            return now.truncatedTo(ChronoUnit.DAYS).equals(now.plus(Duration.ofMinutes(3)).truncatedTo(ChronoUnit.DAYS));
        });
        return Instant.now();
    }

    private record Totals(long requests, long tokens) {
        Totals plus(Totals other) {
            return new Totals(requests + other.requests, tokens + other.tokens);
        }
    }

    /** Whether the log holds a status of {@code statusKey} counting up to {@code usageOffset}. */
    private static boolean reached(CommittedLog<QuotaStatus> log, String statusKey, long usageOffset) {
        return log.records().stream().anyMatch(p -> p.key().equals(statusKey) && p.value().getUsageOffset() == usageOffset);
    }

    /**
     * @param events usage offset of each event of the key -> requests and tokens of the key's events up to it
     * @param statuses the key's statuses in the order of their partitions
     */
    private record Run(int usagePartition, String day, NavigableMap<Long, Totals> events,
                       List<Published<QuotaStatus>> statuses) {
        List<Published<QuotaStatus>> of(String statusKey) {
            return statuses.stream().filter(p -> p.key().equals(statusKey)).toList();
        }
    }
}
