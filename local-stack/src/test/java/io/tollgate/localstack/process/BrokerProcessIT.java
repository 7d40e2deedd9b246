package io.tollgate.localstack.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tollgate.schemas.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The broker on its own, in a process of its own, killed and started again on the same data. */
class BrokerProcessIT {

    @Test
    void shouldKeepTopicsAndAcknowledgedRecordsWhenKilledAndRestartedOnTheSameData(@TempDir Path dir) throws Exception {
        // Given a broker process that created Tollgate's topics and acknowledged a record
        try (BrokerProcess broker = BrokerProcess.start(dir.resolve("kafka"), dir.resolve("kafka.log"), 2)) {
            String bootstrap = broker.bootstrapServers();
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of(
                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap, ProducerConfig.ACKS_CONFIG, "all"),
                    new StringSerializer(), new StringSerializer())) {
                producer.send(new ProducerRecord<>("broker-process", "k", "acknowledged")).get();
            }

            // When it is killed and started again
            long killedPid = broker.process().pid().orElseThrow();
            broker.kill();
            assertThat(broker.process().isAlive()).isFalse();
            broker.restart();

            // Then it serves the same address with the same topics and the record
            assertThat(broker.process().pid()).isPresent().get().isNotEqualTo(killedPid);
            assertThat(broker.bootstrapServers()).isEqualTo(bootstrap);
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                Set<String> topics = admin.listTopics().names().get();
                assertThat(topics).containsAll(Topics.specs().stream().map(Topics.TopicSpec::name).toList());
                assertThat(admin.describeTopics(List.of(Topics.USAGE)).allTopicNames().get().get(Topics.USAGE)
                        .partitions()).hasSize(2);
            }
            assertThat(readAll(bootstrap, "broker-process")).containsExactly("acknowledged");
        }
        assertThat(Files.readString(dir.resolve("kafka.log"))).contains("killed (SIGKILL)", "tollgate-kafka ready");
    }

    private static List<String> readAll(String bootstrap, String topic) {
        List<String> values = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap,
                "group.id", "broker-process-it", "auto.offset.reset", "earliest"), new StringDeserializer(),
                new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
                assertThat(values).isNotEmpty();
            });
        }
        return values;
    }
}
