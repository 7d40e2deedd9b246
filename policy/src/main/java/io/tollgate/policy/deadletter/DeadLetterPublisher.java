package io.tollgate.policy.deadletter;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends dead letters from outside a Streams transaction: compacted-topic views of the gateway and the CLI,
 * and the global-store threads of the Streams applications, which cannot forward records. Idempotent,
 * {@code acks=all}; a failed send is logged and counted, never thrown, because a reader must keep reading
 * whatever happens to its dead letters. Created lazily: most runs never refuse a record.
 */
public final class DeadLetterPublisher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterPublisher.class);

    private final Map<String, Object> producerConfig;
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private Producer<byte[], byte[]> producer;
    private boolean closed;

    /** @param kafkaConfig client settings with {@code bootstrap.servers} (security settings included) */
    public DeadLetterPublisher(Map<String, ?> kafkaConfig) {
        Map<String, Object> config = new HashMap<>();
        kafkaConfig.forEach((k, v) -> {
            if (ProducerConfig.configNames().contains(k) || k.startsWith("sasl.") || k.startsWith("ssl.")
                    || k.equals("security.protocol")) {
                config.put(k, v);
            }
        });
        config.remove(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "tollgate-dead-letters");
        this.producerConfig = Map.copyOf(config);
    }

    /** A publisher that only logs what it is given (no Kafka: unit tests, runs without a broker). */
    public static DeadLetterPublisher none() {
        return new DeadLetterPublisher(Map.of());
    }

    public void publish(DeadLetter letter) {
        if (!producerConfig.containsKey(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG)) {
            LOG.warn("dead letter not published (no Kafka configured): {} {}", letter.reason(), letter.detail());
            return;
        }
        try {
            Producer<byte[], byte[]> p = producer();
            if (p == null) {
                return;
            }
            p.send(letter.toProducerRecord(null, null), (metadata, error) -> {
                if (error == null) {
                    sent.incrementAndGet();
                } else {
                    failed.incrementAndGet();
                    LOG.error("could not dead-letter a record of {} ({}): {}", letter.topic(), letter.reason(), error.toString());
                }
            });
        } catch (RuntimeException e) {
            failed.incrementAndGet();
            LOG.error("could not dead-letter a record of {} ({}): {}", letter.topic(), letter.reason(), e.toString());
        }
    }

    public long sent() {
        return sent.get();
    }

    public long failed() {
        return failed.get();
    }

    /** Waits for what was sent so far; for tests and shutdown. */
    public void flush() {
        Producer<byte[], byte[]> p;
        synchronized (this) {
            p = producer;
        }
        if (p != null) {
            p.flush();
        }
    }

    private synchronized Producer<byte[], byte[]> producer() {
        if (closed) {
            return null;
        }
        if (producer == null) {
            producer = new KafkaProducer<>(producerConfig, new ByteArraySerializer(), new ByteArraySerializer());
        }
        return producer;
    }

    @Override
    public synchronized void close() {
        closed = true;
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
            producer = null;
        }
    }
}
