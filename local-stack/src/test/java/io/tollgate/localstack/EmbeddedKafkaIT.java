package io.tollgate.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tollgate.localstack.junit.KafkaExtension;
import io.tollgate.localstack.junit.SharedKafka;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.UsageEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.LongDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Smoke test of the shared embedded broker: Avro through the serde, an exactly-once Streams app, results read back. */
@ExtendWith(KafkaExtension.class)
class EmbeddedKafkaIT {

    private static final String COUNTS_TOPIC = "tollgate.it.counts-per-key";
    private static SharedKafka injectedBeforeAll;

    @BeforeAll
    static void remember(SharedKafka kafka) {
        injectedBeforeAll = kafka;
    }

    @Test
    void shouldCountUsageEventsPerKeyExactlyOnceWhenProducedThroughTheAvroSerde(SharedKafka kafka, @TempDir Path stateDir) throws Exception {
        // Given the topics and 3 + 2 + 1 events under three API keys
        kafka.createTopics(1);
        kafka.createTopics(List.of(new Topics.TopicSpec(COUNTS_TOPIC, Topics.Cleanup.DELETE, Duration.ofDays(1))), 1);
        Topics.Topic<String, UsageEvent> usage = kafka.topics().usage();
        Map<String, Long> sent = Map.of("key-a", 3L, "key-b", 2L, "key-c", 1L);
        try (KafkaProducer<String, UsageEvent> producer = new KafkaProducer<>(kafka.producerProperties(),
                usage.keySerde().serializer(), usage.valueSerde().serializer())) {
            int call = 0;
            for (var entry : sent.entrySet()) {
                for (int i = 0; i < entry.getValue(); i++) {
                    UsageEvent event = UsageEvents.response("call-" + call++, entry.getKey(), "gpt-4o-mini", 10, 5);
                    producer.send(new ProducerRecord<>(usage.name(), entry.getKey(), event)).get();
                }
            }
        }

        // When an exactly_once_v2 Streams app counts events per key
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(usage.name(), Consumed.with(usage.keySerde(), usage.valueSerde()))
                .groupByKey()
                .count()
                .toStream()
                .to(COUNTS_TOPIC, Produced.with(Serdes.String(), Serdes.Long()));
        Properties streamsProps = new Properties();
        streamsProps.putAll(kafka.streamsProperties("tollgate-smoke-it", stateDir));
        streamsProps.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        streamsProps.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");

        Map<String, Long> latestCounts = new HashMap<>();
        try (KafkaStreams streams = new KafkaStreams(builder.build(), streamsProps);
             KafkaConsumer<String, Long> consumer = new KafkaConsumer<>(kafka.consumerProperties("smoke-reader"),
                     new StringDeserializer(), new LongDeserializer())) {
            streams.start();
            consumer.subscribe(List.of(COUNTS_TOPIC));

            // Then the committed counts are exactly what was sent
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                for (ConsumerRecord<String, Long> record : consumer.poll(Duration.ofMillis(200))) {
                    latestCounts.put(record.key(), record.value());
                }
                assertThat(latestCounts).isEqualTo(sent);
            });
            assertThat(streams.state()).isEqualTo(KafkaStreams.State.RUNNING);
        }
    }

    @Test
    void shouldLeaveExistingTopicsAloneWhenCreatingTopicsTwice(SharedKafka kafka) throws Exception {
        // Given the topics exist
        kafka.createTopics(1);

        // When they are created again with another partition count
        kafka.createTopics(3);

        // Then nothing failed and the first partition count stands
        try (Admin admin = Admin.create(kafka.broker().adminProperties())) {
            var description = admin.describeTopics(List.of(Topics.USAGE)).allTopicNames().get().get(Topics.USAGE);
            assertThat(description.partitions()).hasSize(1);
            assertThat(admin.listTopics().names().get()).containsAll(Topics.specs().stream().map(Topics.TopicSpec::name).toList());
        }
    }

    @Test
    void shouldGiveEachTestClassItsOwnRegistryScopeWhenInjected(SharedKafka kafka) {
        assertThat(kafka).isSameAs(injectedBeforeAll);
        assertThat(kafka.registryUrl()).startsWith("mock://tollgate-it-embeddedkafkait-");
        assertThat(kafka.bootstrapServers()).startsWith("127.0.0.1:");
    }
}
