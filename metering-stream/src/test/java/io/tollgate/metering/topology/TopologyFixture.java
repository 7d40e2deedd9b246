package io.tollgate.metering.topology;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tollgate.metering.PricedEvents;
import io.tollgate.metering.dlq.DeadLetterReason;
import io.tollgate.policy.deadletter.StreamsDeadLetters;
import io.tollgate.metering.metrics.MeteringMetrics;
import io.tollgate.policy.deadletter.DeadLetter;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.CallStatus;
import io.tollgate.schemas.avro.ErrorKind;
import io.tollgate.schemas.avro.ModelHealth;
import io.tollgate.schemas.avro.Phase;
import io.tollgate.schemas.avro.Policy;
import io.tollgate.schemas.avro.QuotaStatus;
import io.tollgate.schemas.avro.SpendTotal;
import io.tollgate.schemas.avro.UsageEvent;
import io.tollgate.schemas.registry.SchemaRegistries;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;

/**
 * The full metering topology on a TopologyTestDriver with a fresh mock:// registry scope, Metering's error handlers,
 * and the driver's wall clock starting at {@link #WALL_CLOCK} (a day after most tests' events, so none is clamped).
 */
final class TopologyFixture implements AutoCloseable {

    static final Duration EMIT_INTERVAL = Duration.ofMillis(100);
    static final Instant WALL_CLOCK = Instant.parse("2026-11-22T12:00:00Z");
    static final Duration MAX_FUTURE_SKEW = Duration.ofMinutes(5);
    static final Duration SETTLE_AFTER = Duration.ofMinutes(15);

    final String scope = "metering-test-" + UUID.randomUUID();
    final Topics topics = Topics.forRegistry("mock://" + scope);
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final MeteringMetrics metrics = new MeteringMetrics(meters);
    /** Policy records the global store refused, as its dead-letter publisher got them. */
    final List<DeadLetter> policyDeadLetters = new ArrayList<>();
    final Topology topology;
    final TopologyTestDriver driver;
    private Instant wallClock;
    final TestInputTopic<String, UsageEvent> usage;
    final TestInputTopic<byte[], byte[]> rawUsage;
    final TestInputTopic<String, Policy> policies;
    final TestOutputTopic<String, QuotaStatus> quotaStatus;
    final TestOutputTopic<String, SpendTotal> spend;
    final TestOutputTopic<String, ModelHealth> health;
    final TestOutputTopic<byte[], byte[]> deadLetters;

    TopologyFixture() {
        this(ZoneOffset.UTC, 0, Duration.ofSeconds(10));
    }

    TopologyFixture(ZoneId zone, int resetHour, Duration grace) {
        this(zone, resetHour, grace, true);
    }

    TopologyFixture(ZoneId zone, int resetHour, Duration grace, boolean statusPerCommit) {
        this(zone, resetHour, grace, statusPerCommit, WALL_CLOCK);
    }

    TopologyFixture(Instant wallClock) {
        this(ZoneOffset.UTC, 0, Duration.ofSeconds(10), true, wallClock);
    }

    TopologyFixture(ZoneId zone, int resetHour, Duration grace, boolean statusPerCommit, Instant wallClock) {
        TopologySettings settings = new TopologySettings("tollgate-metering-test", topics, zone, resetHour, grace,
                MAX_FUTURE_SKEW, SETTLE_AFTER, Duration.ofHours(24), Duration.ofDays(1), Duration.ofDays(40),
                Duration.ofHours(2), Duration.ofDays(7), Clock.fixed(Instant.parse("2026-11-21T12:00:00Z"), ZoneOffset.UTC),
                EMIT_INTERVAL, statusPerCommit, metrics, policyDeadLetters::add, new AtomicLong());
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "tollgate-metering-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        StreamsDeadLetters.install(props, failure -> metrics.deadLetter(DeadLetterReason.valueOf(failure.name())),
                letter -> { });
        try {
            props.put(StreamsConfig.STATE_DIR_CONFIG, Files.createTempDirectory("metering-ttd").toString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        this.wallClock = wallClock;
        topology = MeteringTopology.build(settings);
        driver = new TopologyTestDriver(topology, props, wallClock);
        usage = driver.createInputTopic(Topics.USAGE, Serdes.String().serializer(), topics.usage().valueSerde().serializer());
        rawUsage = driver.createInputTopic(Topics.USAGE, Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer());
        policies = driver.createInputTopic(Topics.POLICIES, Serdes.String().serializer(),
                topics.policies().valueSerde().serializer());
        quotaStatus = driver.createOutputTopic(Topics.QUOTA_STATUS, Serdes.String().deserializer(),
                topics.quotaStatus().valueSerde().deserializer());
        spend = driver.createOutputTopic(Topics.SPEND, Serdes.String().deserializer(), topics.spend().valueSerde().deserializer());
        health = driver.createOutputTopic(Topics.MODEL_HEALTH, Serdes.String().deserializer(),
                topics.modelHealth().valueSerde().deserializer());
        deadLetters = driver.createOutputTopic(Topics.DEAD_LETTER, Serdes.ByteArray().deserializer(),
                Serdes.ByteArray().deserializer());
    }

    /**
     * Pipes an event, priced so that its costs are what the test says ({@link PricedEvents}), with its record
     * timestamp equal to its event time, then lets two emit intervals pass: spend and model health take two (the
     * pre-aggregated sums and the batched health samples leave on one, what they change is published on the next).
     */
    void send(UsageEvent event) {
        sendAsIs(PricedEvents.priced(event));
    }

    /** Pipes an event, priced like {@link #send}, without letting time pass. */
    void pipe(UsageEvent event) {
        UsageEvent priced = PricedEvents.priced(event);
        usage.pipeInput(new TestRecord<>(priced.getApiKeyId(), priced, priced.getTimestamp()));
    }

    /** Pipes an event exactly as given (prices included), then lets two emit intervals pass. */
    void sendAsIs(UsageEvent event) {
        usage.pipeInput(new TestRecord<>(event.getApiKeyId(), event, event.getTimestamp()));
        passEmitIntervals();
    }

    /** The driver's wall clock now. */
    Instant now() {
        return wallClock;
    }

    /** Moves the driver's wall clock on, running the wall-clock punctuations that fall due. */
    void advance(Duration by) {
        wallClock = wallClock.plus(by);
        driver.advanceWallClockTime(by);
    }

    /** Lets two emit intervals pass (see {@link #send}). */
    void passEmitIntervals() {
        advance(EMIT_INTERVAL);
        advance(EMIT_INTERVAL);
    }

    <V> KeyValueStore<String, V> store(String name) {
        return driver.getKeyValueStore(name);
    }

    /** Latest value per key of an output topic, in arrival order. */
    static <V> Map<String, V> latest(TestOutputTopic<String, V> topic) {
        Map<String, V> out = new LinkedHashMap<>();
        for (KeyValue<String, V> kv : topic.readKeyValuesToList()) {
            out.put(kv.key, kv.value);
        }
        return out;
    }

    static List<KeyValue<String, QuotaStatus>> all(TestOutputTopic<String, QuotaStatus> topic) {
        return topic.readKeyValuesToList();
    }

    static UsageEvent.Builder event(Phase phase, String callId, String apiKey, String model, Instant at) {
        return UsageEvent.newBuilder().setEventId(UUID.randomUUID().toString()).setCallId(callId).setPhase(phase)
                .setTimestamp(at).setApiKeyId(apiKey).setTenant("acme").setTeam("search").setAgent("crawler")
                .setRequestedModel(model).setModel(model);
    }

    static UsageEvent request(String callId, String apiKey, String model, Instant at, long tokens, long costMicros) {
        return event(Phase.REQUEST, callId, apiKey, model, at).setReservedPromptTokens(tokens / 2)
                .setReservedCompletionTokens(tokens - tokens / 2).setReservedTokens(tokens)
                .setReservedCostMicros(costMicros).build();
    }

    /**
     * The RESPONSE of {@code request}: its prompt as reserved (at most the total, and served from the cache, so
     * {@link PricedEvents} can give the actual cost its own price), the rest completion.
     */
    static UsageEvent response(UsageEvent request, Instant at, long totalTokens, long costMicros) {
        long prompt = Math.min(request.getReservedPromptTokens(), totalTokens);
        return UsageEvent.newBuilder(request).setEventId(UUID.randomUUID().toString()).setPhase(Phase.RESPONSE)
                .setTimestamp(at).setPromptTokens(prompt).setCachedPromptTokens(prompt)
                .setCompletionTokens(totalTokens - prompt).setTotalTokens(totalTokens)
                .setCostMicros(costMicros).setStatus(CallStatus.SUCCESS).setErrorKind(ErrorKind.NONE)
                .setLatencyMs(800).build();
    }

    @Override
    public void close() {
        driver.close();
        SchemaRegistries.dropScope(scope);
    }
}
