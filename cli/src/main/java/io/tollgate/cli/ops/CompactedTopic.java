package io.tollgate.cli.ops;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The current content of a compacted topic: every partition from the beginning to the end offsets
 * taken at the start; the latest value of a key wins and a tombstone removes it. Records that
 * cannot be read are reported and skipped.
 */
public final class CompactedTopic {

    private CompactedTopic() {
    }

    public static <V> Map<String, V> read(ConnectionOptions connection, String topic, Deserializer<V> values,
                                          Duration timeout, Consumer<String> unreadable) {
        Map<String, V> content = new LinkedHashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(connection.consumer(), new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, timeout);
            if (infos == null || infos.isEmpty()) {
                throw new IllegalStateException("topic " + topic + " does not exist on " + connection.bootstrapServers()
                        + "; start the stack (tollgate up) or create the Tollgate topics");
            }
            List<TopicPartition> partitions = infos.stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (end.entrySet().stream().anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end within " + timeout);
                }
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.value() == null) {
                        content.remove(record.key());
                        continue;
                    }
                    try {
                        content.put(record.key(), values.deserialize(topic, record.value()));
                    } catch (RuntimeException e) {
                        unreadable.accept("skipped unreadable record " + record.key() + " at " + record.partition() + "@"
                                + record.offset() + ": " + e.getMessage());
                    }
                }
            }
        }
        return content;
    }
}
