package io.tollgate.gateway.routing;

import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a compacted topic from the beginning into an in-memory view, on its own daemon thread,
 * for as long as the gateway runs. Every instance reads every partition ({@code assign}, no
 * consumer group, no commits): each gateway needs the whole view. Values are deserialized here,
 * record by record, so a poison record is counted, logged and skipped instead of stopping the view.
 * New partitions are picked up every {@link #PARTITION_REFRESH}.
 *
 * <p>Kafka settings: {@code bootstrap.servers} (required) and any other consumer setting; the
 * defaults are {@code fetch.max.wait.ms=100} (the view's share of the admission lag),
 * {@code isolation.level=read_committed} and {@code auto.offset.reset=earliest}.
 *
 * @param <V> the record value type
 */
public final class CompactedViewConsumer<V> implements AutoCloseable {

    static final Duration PARTITION_REFRESH = Duration.ofSeconds(30);
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(200);
    private static final Duration RETRY_PAUSE = Duration.ofSeconds(1);
    private static final Logger LOG = LoggerFactory.getLogger(CompactedViewConsumer.class);

    private final String name;
    private final Map<String, Object> kafkaConfig;
    private final String topic;
    private final Deserializer<V> valueDeserializer;
    private final BiConsumer<String, V> applier;
    private final AtomicLong applied = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private volatile boolean running;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private Thread thread;

    /**
     * @param name              names the thread and client id, e.g. {@code quota-view}
     * @param kafkaConfig       consumer settings; needs {@code bootstrap.servers}
     * @param topic             the compacted topic to read
     * @param valueDeserializer turns record bytes into values (null bytes stay null: tombstones)
     * @param applier           applies one record to the view; throws IllegalArgumentException to reject it
     */
    public CompactedViewConsumer(String name, Map<String, Object> kafkaConfig, String topic,
                                 Deserializer<V> valueDeserializer, BiConsumer<String, V> applier) {
        this.name = Objects.requireNonNull(name, "name");
        if (kafkaConfig.get(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG) == null) {
            throw new IllegalArgumentException("consumer settings for " + name + " lack "
                    + ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG + "; set it (KAFKA_BOOTSTRAP_SERVERS), e.g. localhost:9092");
        }
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // the metering stream and the budget service write in transactions: never read aborted records
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "tollgate-gateway-" + name);
        config.putAll(kafkaConfig);
        // assign() without a group: nothing to commit, every instance reads everything
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        this.kafkaConfig = Map.copyOf(config);
        this.topic = Objects.requireNonNull(topic, "topic");
        this.valueDeserializer = Objects.requireNonNull(valueDeserializer, "valueDeserializer");
        this.applier = Objects.requireNonNull(applier, "applier");
    }

    /** Starts reading on a daemon thread; returns at once. */
    public synchronized CompactedViewConsumer<V> start() {
        if (thread != null) {
            throw new IllegalStateException("view consumer " + name + " is already started");
        }
        running = true;
        thread = Thread.ofPlatform().daemon().name("tollgate-" + name).start(this::runUntilClosed);
        return this;
    }

    /** True once the view has read every partition up to the end it had when it started. */
    public boolean caughtUp() {
        return caughtUp.getCount() == 0;
    }

    /** Waits until {@link #caughtUp()}; false on timeout. For readiness checks at start-up. */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public long applied() {
        return applied.get();
    }

    public long rejected() {
        return rejected.get();
    }

    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            running = false;
            t = thread;
        }
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        if (t != null) {
            try {
                t.join(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    private void runUntilClosed() {
        while (running) {
            try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(kafkaConfig, new StringDeserializer(),
                    new ByteArrayDeserializer())) {
                consumer = c;
                readForever(c);
            } catch (WakeupException e) {
                if (running) {
                    LOG.warn("view {} woken up while running; reconnecting", name);
                }
            } catch (RuntimeException e) {
                LOG.error("view {} of {} failed; reconnecting in {}", name, topic, RETRY_PAUSE, e);
                pause();
            } finally {
                consumer = null;
            }
        }
    }

    private void readForever(KafkaConsumer<String, byte[]> c) {
        Set<TopicPartition> assigned = new HashSet<>();
        Map<TopicPartition, Long> startEnds = null;
        long nextRefresh = System.nanoTime(); // nanoTime may be negative: compare differences only
        while (running) {
            if (System.nanoTime() - nextRefresh >= 0) {
                assignNewPartitions(c, assigned);
                nextRefresh = System.nanoTime() + PARTITION_REFRESH.toNanos();
                if (assigned.isEmpty()) {
                    LOG.info("view {}: topic {} has no partitions yet; retrying in {}", name, topic, RETRY_PAUSE);
                    pause();
                    nextRefresh = System.nanoTime();
                    continue;
                }
                if (startEnds == null) {
                    startEnds = c.endOffsets(assigned);
                }
            }
            for (ConsumerRecord<String, byte[]> record : c.poll(POLL_TIMEOUT)) {
                applyOne(record);
            }
            if (startEnds != null && !caughtUp() && reached(c, startEnds)) {
                caughtUp.countDown();
                LOG.info("view {} caught up with {} ({} records applied)", name, topic, applied.get());
            }
        }
    }

    private void assignNewPartitions(KafkaConsumer<String, byte[]> c, Set<TopicPartition> assigned) {
        List<PartitionInfo> partitions = c.partitionsFor(topic);
        Set<TopicPartition> fresh = new HashSet<>();
        if (partitions != null) {
            for (PartitionInfo p : partitions) {
                TopicPartition tp = new TopicPartition(p.topic(), p.partition());
                if (!assigned.contains(tp)) {
                    fresh.add(tp);
                }
            }
        }
        if (!fresh.isEmpty()) {
            assigned.addAll(fresh);
            c.assign(assigned);
            c.seekToBeginning(fresh);
        }
    }

    private void applyOne(ConsumerRecord<String, byte[]> record) {
        try {
            V value = record.value() == null ? null
                    : valueDeserializer.deserialize(record.topic(), record.headers(), record.value());
            applier.accept(record.key(), value);
            applied.incrementAndGet();
        } catch (RuntimeException e) {
            rejected.incrementAndGet();
            LOG.warn("view {} skipped record {}-{}@{} key '{}': {}", name, record.topic(), record.partition(),
                    record.offset(), record.key(), e.getMessage());
        }
    }

    private static boolean reached(KafkaConsumer<String, byte[]> c, Map<TopicPartition, Long> ends) {
        for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
            if (c.position(end.getKey()) < end.getValue()) {
                return false;
            }
        }
        return true;
    }

    private static void pause() {
        try {
            Thread.sleep(RETRY_PAUSE); // the broker or topic is not there yet: nothing to wait on but time
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
