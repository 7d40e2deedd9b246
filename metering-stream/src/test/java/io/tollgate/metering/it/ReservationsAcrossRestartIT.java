package io.tollgate.metering.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tollgate.localstack.junit.KafkaExtension;
import io.tollgate.localstack.junit.SharedKafka;
import io.tollgate.metering.PricedEvents;
import io.tollgate.metering.config.MeteringConfig;
import io.tollgate.metering.config.MeteringConfigLoader;
import io.tollgate.metering.it.CommittedLog.Published;
import io.tollgate.metering.metrics.MeteringMetrics;
import io.tollgate.metering.topology.MeteringTopology;
import io.tollgate.metering.topology.TopologySettings;
import io.tollgate.policy.deadletter.StreamsDeadLetters;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.CallStatus;
import io.tollgate.schemas.avro.PeriodType;
import io.tollgate.schemas.avro.Phase;
import io.tollgate.schemas.avro.ScopeType;
import io.tollgate.schemas.avro.SpendTotal;
import io.tollgate.schemas.avro.UsageEvent;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ingest processor keeps the keys of {@code metering-pending-reservations} in memory, so that the REQUEST of a
 * new attempt reads no store; a new instance must rebuild them from the restored store before it counts anything.
 * Here a RESPONSE comes without its REQUEST (an orphan, which counts the attempt in full and leaves a marker), the
 * application stops, a second instance with empty local state restores from the changelogs, and then the REQUEST of
 * that attempt comes: it must add nothing. A later ordinary call is the sentinel that everything before it was
 * counted.
 */
@ExtendWith(KafkaExtension.class)
class ReservationsAcrossRestartIT {

    private final String run = UUID.randomUUID().toString().substring(0, 8);
    private final String apiKey = "k-restart-" + run;

    @Test
    void shouldAddNothingForARequestAfterARestartWhenItsResponseCameFirst(SharedKafka kafka, @TempDir Path first,
                                                                        @TempDir Path second) throws Exception {
        kafka.createTopics(2);
        clearOfMidnight();
        String appId = "metering-restart-" + run;
        UsageEvent orphanRequest = request("call-orphan-" + run, 120);
        UsageEvent orphanResponse = response(orphanRequest, 150);
        UsageEvent sentinelRequest = request("call-sentinel-" + run, 80);
        UsageEvent sentinelResponse = response(sentinelRequest, 90);
        try (CommittedLog<SpendTotal> log = new CommittedLog<>(kafka, Topics.SPEND, "restart-" + run,
                     kafka.topics().spend().valueSerde().deserializer(), k -> k.contains(apiKey));
             KafkaProducer<String, UsageEvent> producer = new KafkaProducer<>(kafka.producerProperties(),
                     new StringSerializer(), kafka.topics().usage().valueSerde().serializer())) {
            // Given a RESPONSE counted without its REQUEST by a first instance, which then stops
            KafkaStreams firstInstance = start(kafka, first, appId);
            try {
                send(producer, orphanResponse);
                awaitKeyDay(log, new Totals(1, orphanResponse.getCostMicros(), 0));
            } finally {
                // leaving the group, as the service does on shutdown, hands the partitions over without a timeout
                firstInstance.close(CloseOptions.groupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP)
                        .withTimeout(Duration.ofSeconds(30)));
            }

            // When a second instance, restored from the changelogs, gets that attempt's REQUEST and then a new call
            try (KafkaStreams streams = start(kafka, second, appId)) {
                send(producer, orphanRequest);
                send(producer, sentinelRequest);
                send(producer, sentinelResponse);

                // Then the key's day counts two requests and both actual costs, nothing in flight: the late REQUEST
                // was recognised by the marker its RESPONSE left, not counted as a new reservation
                awaitKeyDay(log, new Totals(2, orphanResponse.getCostMicros() + sentinelResponse.getCostMicros(), 0));
            }
        }
    }

    private KafkaStreams start(SharedKafka kafka, Path state, String appId) {
        MeteringConfig config = MeteringConfigLoader.fromMaps(Map.of("application.id", appId,
                "schema.registry.url", kafka.registryUrl(), "metering.http.host", "127.0.0.1", "metering.http.port", "0",
                "state.dir", state.toString(), "metering.create.topics", "false"),
                Map.of("bootstrap.servers", kafka.bootstrapServers()));
        Properties props = config.streamsProperties();
        StreamsDeadLetters.install(props, failure -> { }, letter -> { });
        TopologySettings settings = TopologySettings.from(config, new MeteringMetrics(new SimpleMeterRegistry()),
                Clock.systemUTC(), letter -> { });
        KafkaStreams streams = new KafkaStreams(MeteringTopology.build(settings), props);
        streams.start();
        await().atMost(Duration.ofSeconds(60)).until(() -> streams.state() == KafkaStreams.State.RUNNING);
        return streams;
    }

    private UsageEvent request(String callId, long reserved) {
        return PricedEvents.priced(UsageEvent.newBuilder().setEventId(UUID.randomUUID().toString()).setCallId(callId)
                .setPhase(Phase.REQUEST).setTimestamp(Instant.now()).setApiKeyId(apiKey).setTenant("t-restart-" + run)
                .setTeam("team-restart").setAgent("agent-restart").setRequestedModel("m").setModel("m")
                .setReservedPromptTokens(reserved / 2).setReservedCompletionTokens(reserved - reserved / 2)
                .setReservedTokens(reserved).setReservedCostMicros(reserved * 3).build());
    }

    private static UsageEvent response(UsageEvent request, long actual) {
        return PricedEvents.priced(UsageEvent.newBuilder(request).setEventId(UUID.randomUUID().toString())
                .setPhase(Phase.RESPONSE).setTimestamp(Instant.now()).setTotalTokens(actual)
                .setPromptTokens(actual / 2).setCompletionTokens(actual - actual / 2).setCostMicros(actual * 3)
                .setStatus(CallStatus.SUCCESS).setLatencyMs(40).build());
    }

    private void send(KafkaProducer<String, UsageEvent> producer, UsageEvent event) throws Exception {
        producer.send(new ProducerRecord<>(Topics.USAGE, apiKey, event)).get();
    }

    private record Totals(long requests, long costMicros, long inFlightMicros) {
    }

    private void awaitKeyDay(CommittedLog<SpendTotal> log, Totals expected) {
        await().atMost(Duration.ofMinutes(2)).pollInSameThread().untilAsserted(() -> {
            log.poll();
            List<Published<SpendTotal>> day = log.records().stream()
                    .filter(p -> p.value().getScopeType() == ScopeType.API_KEY && p.value().getScopeId().equals(apiKey)
                            && p.value().getPeriod() == PeriodType.DAY)
                    .toList();
            assertThat(day).as("day totals of %s", apiKey).isNotEmpty();
            SpendTotal latest = day.get(day.size() - 1).value();
            assertThat(new Totals(latest.getRequests(), latest.getCostMicros(), latest.getInFlightMicros()))
                    .isEqualTo(expected);
        });
    }

    /** Now, once now and the next three minutes fall in one UTC day: the events' day is then their totals' day. */
    private static void clearOfMidnight() {
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            Instant now = Instant.now();
            return now.truncatedTo(ChronoUnit.DAYS).equals(now.plus(Duration.ofMinutes(3)).truncatedTo(ChronoUnit.DAYS));
        });
    }
}
