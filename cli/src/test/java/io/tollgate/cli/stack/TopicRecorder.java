package io.tollgate.cli.stack;

import io.tollgate.cli.ops.ConnectionOptions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Reads every partition of one topic from the beginning (read_committed) on its own thread and
 * keeps each record with the wall-clock time this JVM received it, for assertions and latencies.
 */
public final class TopicRecorder<V> implements AutoCloseable {

    /** One record: its key, value, produce (or log-append) timestamp, and when this JVM polled it. */
    public record Received<V>(String key, V value, long recordTimestamp, long receivedAtMillis) {
    }

    private final KafkaConsumer<String, V> consumer;
    private final List<Received<V>> received = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    public TopicRecorder(ConnectionOptions connection, String topic, Deserializer<V> values) {
        var props = connection.consumer();
        props.put("fetch.max.wait.ms", 10); // latency measurements: do not let an idle fetch sit for 500 ms
        this.consumer = new KafkaConsumer<>(props, new StringDeserializer(), values);
        List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        this.thread = Thread.ofPlatform().daemon().name("recorder-" + topic).start(this::run);
    }

    private void run() {
        try {
            while (running) {
                for (ConsumerRecord<String, V> r : consumer.poll(Duration.ofMillis(100))) {
                    received.add(new Received<>(r.key(), r.value(), r.timestamp(), System.currentTimeMillis()));
                }
            }
        } catch (WakeupException stopping) {
            // close() woke the poll up
        } finally {
            consumer.close();
        }
    }

    public List<Received<V>> all() {
        return List.copyOf(received);
    }

    public List<Received<V>> matching(Predicate<V> filter) {
        return received.stream().filter(r -> filter.test(r.value())).toList();
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        consumer.wakeup();
        thread.join(10_000);
    }
}
