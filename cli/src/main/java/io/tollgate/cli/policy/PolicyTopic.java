package io.tollgate.cli.policy;

import io.tollgate.cli.ops.ConnectionOptions;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.Policy;
import io.tollgate.policy.records.PolicySnapshot;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Reads and writes {@code tollgate.policies.v1}: the current content (every partition from the
 * beginning up to the end offsets taken at the start, later records of a key winning) and the
 * publication of changes. Unreadable records are reported and skipped: {@code policy apply}
 * then rewrites the key, which repairs it.
 */
public final class PolicyTopic {

    private final ConnectionOptions connection;
    private final Topics topics;

    public PolicyTopic(ConnectionOptions connection) {
        this.connection = connection;
        this.topics = Topics.forRegistry(connection.registryUrl());
    }

    /** The topic's current content; {@code progress} hears about records it could not read. */
    public PolicySnapshot read(Duration timeout, Consumer<String> progress) {
        PolicySnapshot snapshot = new PolicySnapshot();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(connection.consumer(), new StringDeserializer(),
                new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            List<PartitionInfo> infos = consumer.partitionsFor(Topics.POLICIES, timeout);
            if (infos == null || infos.isEmpty()) {
                throw new IllegalStateException("topic " + Topics.POLICIES + " does not exist on "
                        + connection.bootstrapServers() + "; start the stack (tollgate up) or create the Tollgate topics");
            }
            List<TopicPartition> partitions = infos.stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            long deadline = System.nanoTime() + timeout.toNanos();
            var deserializer = topics.policies().valueSerde().deserializer();
            while (!caughtUp(consumer, end)) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + Topics.POLICIES + " to its end within " + timeout);
                }
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    try {
                        Policy value = record.value() == null ? null
                                : deserializer.deserialize(Topics.POLICIES, record.value());
                        snapshot.apply(record.key(), value);
                    } catch (RuntimeException e) {
                        progress.accept("skipped unreadable record " + record.key() + " at " + record.partition() + "@"
                                + record.offset() + ": " + e.getMessage());
                    }
                }
            }
        }
        return snapshot;
    }

    /** Publishes {@code changes} (null = tombstone) and waits until every record is acknowledged. */
    public void publish(Map<String, Policy> changes) {
        if (changes.isEmpty()) {
            return;
        }
        try (KafkaProducer<String, Policy> producer = new KafkaProducer<>(connection.producer(), new StringSerializer(),
                topics.policies().valueSerde().serializer())) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            changes.forEach((key, value) -> sent.add(producer.send(new ProducerRecord<>(Topics.POLICIES, key, value))));
            for (Future<RecordMetadata> future : sent) {
                future.get();
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("publishing to " + Topics.POLICIES + " failed: " + e.getCause().getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing policies", e);
        }
    }

    private static boolean caughtUp(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }
}
