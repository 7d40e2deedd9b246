package io.tollgate.metering.it;

import io.tollgate.localstack.junit.SharedKafka;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * An output topic read {@code read_committed} from its end when opened, telling its transactions apart: such a
 * consumer sees the records of one transaction on a partition at consecutive offsets (one producer writes the topic
 * in these tests), and a commit marker takes an offset after each transaction. Keeps, decoded, the records whose key
 * the filter accepts.
 */
final class CommittedLog<V> implements AutoCloseable {

    /** A record kept: its key, where it was read, which transaction on its partition wrote it (0, 1, ...), its value. */
    record Published<V>(String key, int partition, long offset, int transaction, V value) {
    }

    private final KafkaConsumer<String, byte[]> consumer;
    private final Deserializer<V> values;
    private final Predicate<String> keep;
    private final Map<Integer, Long> lastOffset = new HashMap<>();
    private final Map<Integer, Integer> transaction = new HashMap<>();
    private final List<Published<V>> records = new ArrayList<>();

    CommittedLog(SharedKafka kafka, String topic, String groupId, Deserializer<V> values, Predicate<String> keep) {
        this.values = values;
        this.keep = keep;
        consumer = new KafkaConsumer<>(kafka.consumerProperties(groupId), new StringDeserializer(),
                new ByteArrayDeserializer());
        List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position);
    }

    CommittedLog<V> poll() {
        for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
            Long previous = lastOffset.put(r.partition(), r.offset());
            int tx = transaction.merge(r.partition(), previous == null || previous + 1 == r.offset() ? 0 : 1,
                    Integer::sum);
            if (r.key() != null && keep.test(r.key())) {
                records.add(new Published<>(r.key(), r.partition(), r.offset(), tx, values.deserialize(r.topic(), r.value())));
            }
        }
        return this;
    }

    /** The records kept so far, in the order read. */
    List<Published<V>> records() {
        return List.copyOf(records);
    }

    @Override
    public void close() {
        consumer.close();
    }
}
