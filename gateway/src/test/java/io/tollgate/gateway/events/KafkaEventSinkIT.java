package io.tollgate.gateway.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tollgate.localstack.junit.KafkaExtension;
import io.tollgate.localstack.junit.SharedKafka;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.Phase;
import io.tollgate.schemas.avro.UsageEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sink tells admission where Kafka wrote each REQUEST event (admission compares that with the
 * quota view's {@code usageOffset}): checked against what is actually at that partition and offset
 * on the embedded broker.
 */
@ExtendWith(KafkaExtension.class)
class KafkaEventSinkIT {

    @Test
    void shouldReportThePartitionAndOffsetWhereKafkaWroteEachObservedEvent(SharedKafka kafka, @TempDir Path dir) {
        // Given a sink on the shared broker, usage topic with 3 partitions
        kafka.createTopics(3);
        Topics topics = kafka.topics();
        Map<String, long[]> written = new ConcurrentHashMap<>();
        List<UsageEvent> events = List.of(event("k-sink-a"), event("k-sink-b"), event("k-sink-a"), event("k-sink-c"));
        try (KafkaEventSink sink = new KafkaEventSink(new Spool(dir, 1024 * 1024), 1024 * 1024,
                Map.of("bootstrap.servers", kafka.bootstrapServers()), topics)) {
            // When four events are published with observers, and one without
            for (UsageEvent e : events) {
                sink.publish(e, (partition, offset) -> written.put(e.getEventId(), new long[] {partition, offset}));
            }
            sink.publish(event("k-sink-a"));

            // Then every observer hears once Kafka acknowledged its event
            await().atMost(Duration.ofSeconds(30)).until(() -> written.size() == events.size());
            assertThat(sink.pendingEvents()).isZero();
        }

        // ... and at that partition and offset the topic holds exactly that event
        Map<String, Object> props = new HashMap<>(Map.of("bootstrap.servers", kafka.bootstrapServers(),
                "isolation.level", "read_committed"));
        try (KafkaConsumer<String, UsageEvent> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                topics.usage().valueSerde().deserializer())) {
            for (UsageEvent e : events) {
                long[] at = written.get(e.getEventId());
                TopicPartition tp = new TopicPartition(Topics.USAGE, (int) at[0]);
                consumer.assign(List.of(tp));
                consumer.seek(tp, at[1]);
                ConsumerRecord<String, UsageEvent> first = await().atMost(Duration.ofSeconds(30))
                        .until(() -> {
                            var polled = consumer.poll(Duration.ofMillis(200)).records(tp);
                            return polled.isEmpty() ? null : polled.get(0);
                        }, r -> r != null);
                assertThat(first.offset()).isEqualTo(at[1]);
                assertThat(first.value().getEventId()).isEqualTo(e.getEventId());
                assertThat(first.key()).isEqualTo(e.getApiKeyId());
            }
        }
        // events of one key went to one partition, as the view's offset comparison needs
        assertThat(written.get(events.get(0).getEventId())[0]).isEqualTo(written.get(events.get(2).getEventId())[0]);
    }

    private static UsageEvent event(String key) {
        return UsageEvent.newBuilder().setEventId(UUID.randomUUID().toString()).setCallId("call-" + UUID.randomUUID())
                .setPhase(Phase.REQUEST).setTimestamp(Instant.now()).setApiKeyId(key).setTenant("acme")
                .setTeam("team").setAgent("agent").setRequestedModel("sim-small").setModel("sim-small")
                .setReservedPromptTokens(10).setReservedCompletionTokens(5).setReservedTokens(15)
                .setReservedCostMicros(100).build();
    }
}
