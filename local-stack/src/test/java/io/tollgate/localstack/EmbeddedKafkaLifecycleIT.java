package io.tollgate.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Start, stop and restart of a broker of its own (not the shared one). */
class EmbeddedKafkaLifecycleIT {

    @Test
    void shouldDeleteItsTemporaryDirectoryAndLeaveNoThreadsWhenClosed() {
        // Given
        Set<Thread> before = nonDaemonThreads();
        EmbeddedKafka kafka = EmbeddedKafka.builder().start();
        Path dataDir = kafka.dataDir();
        assertThat(dataDir).isDirectory();

        // When
        kafka.close();
        kafka.close(); // closing twice is harmless

        // Then
        assertThat(dataDir).doesNotExist();
        await().pollInSameThread().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(newThreads(before)).isEmpty());
        assertThatThrownBy(kafka::start).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void shouldKeepRecordsWhenRestartedOnTheSameDirectoryAndPort(@TempDir Path dir) throws Exception {
        // Given a broker with a given directory and port that received a record
        int port = Ports.free();
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(dir).port(port).brokerProperty("num.partitions", "2").start()) {
            assertThat(kafka.brokerProperties()).containsEntry("num.partitions", "2");
            try (KafkaProducer<String, String> producer = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers()),
                    new StringSerializer(), new StringSerializer())) {
                producer.send(new ProducerRecord<>("lifecycle", "k", "kept")).get();
            }
        }

        // When a new broker starts on the same directory and port
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().dataDir(dir).port(port).start();
             KafkaConsumer<String, String> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", "127.0.0.1:" + port,
                     "group.id", "lifecycle", "auto.offset.reset", "earliest"), new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of("lifecycle"));
            List<String> values = new ArrayList<>();

            // Then the record is still there, and the given directory is kept afterwards
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
                assertThat(values).containsExactly("kept");
            });
            assertThat(kafka.bootstrapServers()).isEqualTo("127.0.0.1:" + port);
        }
        assertThat(dir.resolve("logs")).isDirectory();
    }

    private static Set<Thread> nonDaemonThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> !t.isDaemon() && t.isAlive()).collect(Collectors.toSet());
    }

    private static List<String> newThreads(Set<Thread> before) {
        return nonDaemonThreads().stream().filter(t -> !before.contains(t)).map(Thread::getName).toList();
    }
}
