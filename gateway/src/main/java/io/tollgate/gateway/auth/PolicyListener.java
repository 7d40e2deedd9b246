package io.tollgate.gateway.auth;

import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.ApiKeyPolicy;
import io.tollgate.schemas.avro.Policy;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the {@link ApiKeyStore} current from the compacted {@code tollgate.policies.v1}: every
 * partition assigned (no group: every gateway needs every key), read from the beginning, then
 * followed live. Key records {@code key:<id>} update or, as tombstones, remove keys; other policy
 * kinds are for admission and budgets. A record that cannot be read goes to
 * {@code tollgate.dead-letter.v1} with the reason in headers and is skipped.
 */
public final class PolicyListener implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PolicyListener.class);
    private static final String KEY_PREFIX = "key:";

    private final KafkaConsumer<String, Policy> consumer;
    private final ApiKeyStore keys;
    private final Thread thread;
    private final Map<String, Object> producerProps;
    private KafkaProducer<byte[], byte[]> deadLetters;
    private volatile boolean running = true;

    public PolicyListener(Map<String, Object> kafkaProperties, Topics topics, ApiKeyStore keys) {
        this.keys = keys;
        this.producerProps = new HashMap<>(kafkaProperties);
        Map<String, Object> props = new HashMap<>(kafkaProperties);
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        Deserializer<Policy> values = topics.policies().valueSerde().deserializer();
        this.consumer = new KafkaConsumer<>(props, new StringDeserializer(), values);
        this.thread = Thread.ofPlatform().daemon().name("tollgate-policy-listener").start(this::run);
    }

    private void run() {
        try {
            while (running && !assign()) {
                Thread.sleep(1_000); // the policy topic does not exist yet: retry its assignment once a second
            }
            while (running) {
                try {
                    for (ConsumerRecord<String, Policy> r : consumer.poll(Duration.ofMillis(500))) {
                        apply(r.key(), r.value());
                    }
                } catch (RecordDeserializationException e) {
                    // a poison record must not freeze key updates: park it on the dead-letter topic and move on
                    LOG.error("unreadable policy record at {} offset {} sent to {}: {}", e.topicPartition(), e.offset(),
                            Topics.DEAD_LETTER, e.getMessage());
                    deadLetter(e);
                    consumer.seek(e.topicPartition(), e.offset() + 1);
                }
            }
        } catch (WakeupException | InterruptedException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.error("policy listener stopped: {}; API keys stay as last known", e.toString());
        } finally {
            consumer.close(Duration.ofSeconds(1));
            if (deadLetters != null) {
                deadLetters.close(Duration.ofSeconds(1));
            }
        }
    }

    private void deadLetter(RecordDeserializationException e) {
        try {
            if (deadLetters == null) {
                deadLetters = new KafkaProducer<>(producerProps, new ByteArraySerializer(), new ByteArraySerializer());
            }
            ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(Topics.DEAD_LETTER,
                    bytes(e.keyBuffer()), bytes(e.valueBuffer()));
            record.headers()
                    .add(Topics.DLQ_REASON_HEADER, utf8("deserialization"))
                    .add(Topics.DLQ_DETAIL_HEADER, utf8(String.valueOf(e.getCause() == null ? e.getMessage()
                            : e.getCause().getMessage())))
                    .add(Topics.DLQ_SOURCE_TOPIC_HEADER, utf8(e.topicPartition().topic()))
                    .add(Topics.DLQ_SOURCE_PARTITION_HEADER, utf8(Integer.toString(e.topicPartition().partition())))
                    .add(Topics.DLQ_SOURCE_OFFSET_HEADER, utf8(Long.toString(e.offset())))
                    .add(Topics.DLQ_APPLICATION_HEADER, utf8("tollgate-gateway"));
            deadLetters.send(record);
        } catch (RuntimeException failure) {
            LOG.error("could not dead-letter policy record at {} offset {}: {}", e.topicPartition(), e.offset(),
                    failure.toString());
        }
    }

    private static byte[] bytes(java.nio.ByteBuffer buffer) {
        if (buffer == null) {
            return null;
        }
        byte[] out = new byte[buffer.remaining()];
        buffer.duplicate().get(out);
        return out;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** Assigns every partition of the policy topic; false while it does not exist or Kafka is away. */
    private boolean assign() {
        try {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.POLICIES, Duration.ofSeconds(5)).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            if (partitions.isEmpty()) {
                return false;
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            return true;
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            LOG.warn("policy topic {} not reachable yet ({}); keys from the policy file stay in force",
                    Topics.POLICIES, e.getMessage());
            return false;
        }
    }

    void apply(String key, Policy value) {
        if (key == null || !key.startsWith(KEY_PREFIX)) {
            return;
        }
        if (value == null) {
            keys.remove(key.substring(KEY_PREFIX.length()));
        } else if (value.getPolicy() instanceof ApiKeyPolicy p) {
            keys.put(p);
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
