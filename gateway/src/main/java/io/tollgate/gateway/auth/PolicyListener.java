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
import org.apache.kafka.common.TopicPartition;
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
 * kinds are for admission and budgets. A record that cannot be read is skipped and logged.
 */
public final class PolicyListener implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PolicyListener.class);
    private static final String KEY_PREFIX = "key:";

    private final KafkaConsumer<String, Policy> consumer;
    private final ApiKeyStore keys;
    private final Thread thread;
    private volatile boolean running = true;

    public PolicyListener(Map<String, Object> kafkaProperties, Topics topics, ApiKeyStore keys) {
        this.keys = keys;
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
                Thread.sleep(1_000);
            }
            while (running) {
                try {
                    for (ConsumerRecord<String, Policy> r : consumer.poll(Duration.ofMillis(500))) {
                        apply(r.key(), r.value());
                    }
                } catch (RecordDeserializationException e) {
                    // a poison record must not freeze key updates: skip it, say where it was
                    LOG.error("skipping unreadable policy record at {} offset {}: {}", e.topicPartition(), e.offset(),
                            e.getMessage());
                    consumer.seek(e.topicPartition(), e.offset() + 1);
                }
            }
        } catch (WakeupException | InterruptedException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.error("policy listener stopped: {}; API keys stay as last known", e.toString());
        } finally {
            consumer.close(Duration.ofSeconds(1));
        }
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
