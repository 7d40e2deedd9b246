package io.tollgate.policy.topic;

import io.tollgate.policy.deadletter.DeadLetter;
import io.tollgate.policy.deadletter.DeadLetterPublisher;
import java.nio.charset.StandardCharsets;
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
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one reader of Tollgate's compacted topics (policies, quota status, routing commands, budgets for the
 * dashboard): every partition from the beginning, no consumer group and no commits (each reader needs the whole
 * topic), {@code read_committed} (the Streams applications write in transactions). Each record is handed, key
 * and raw bytes, to a {@link RecordHandler}, which decodes and applies it; a handler that throws has refused the
 * record: it is counted, given to the {@link Refusals} hook (which dead-letters it where the reader owns that
 * rule) and the reader carries on, so no record can stop a view.
 *
 * <p>Two ways to read: {@link #start()} follows the topic on a daemon thread for as long as the service runs
 * (reconnecting after errors, picking up new partitions every {@link #PARTITION_REFRESH}); {@link #readToEnd}
 * reads once up to the end offsets taken at its start, on the caller's thread (the CLI).
 */
public final class CompactedView implements AutoCloseable {

    static final Duration PARTITION_REFRESH = Duration.ofSeconds(30);
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(200);
    private static final Duration RETRY_PAUSE = Duration.ofSeconds(1);
    private static final Logger LOG = LoggerFactory.getLogger(CompactedView.class);

    /** Decodes and applies one record; throwing refuses it. */
    @FunctionalInterface
    public interface RecordHandler {
        void handle(ConsumerRecord<String, byte[]> record) throws Exception;
    }

    /** Hears about refused records, e.g. to dead-letter them. Must not throw. */
    @FunctionalInterface
    public interface Refusals {
        Refusals LOG_ONLY = (record, error) -> { };

        void refused(ConsumerRecord<String, byte[]> record, Exception error);

        /**
         * Dead-letters each refused record as {@code application} refused it: reason {@code DESERIALIZATION} when it
         * could not be decoded, {@code INVALID_RECORD} when it was decoded but makes no sense (the handler threw
         * {@link IllegalArgumentException}: e.g. its key does not match its content), {@code PROCESSING} otherwise.
         */
        static Refusals deadLetters(DeadLetterPublisher publisher, String application) {
            return (record, error) -> publisher.publish(new DeadLetter(
                    record.key() == null ? null : record.key().getBytes(StandardCharsets.UTF_8), record.value(),
                    error instanceof SerializationException ? "DESERIALIZATION"
                            : error instanceof IllegalArgumentException ? "INVALID_RECORD" : "PROCESSING",
                    error.getClass().getSimpleName() + ": " + error.getMessage(), application, record.topic(),
                    record.partition(), record.offset()));
        }
    }

    private final String name;
    private final Map<String, Object> consumerConfig;
    private final String topic;
    private final RecordHandler handler;
    private final Refusals refusals;
    private final AtomicLong applied = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private volatile boolean running;
    private volatile Consumer<String, byte[]> consumer;
    private Thread thread;

    /**
     * @param name        names the thread and the client id, e.g. {@code quota-view}
     * @param kafkaConfig client settings with {@code bootstrap.servers}; settings that are not a consumer's (Streams,
     *                    producer) are dropped, security settings kept
     * @param topic       the compacted topic
     * @param handler     decodes and applies one record (null value = tombstone); throws to refuse it
     * @param refusals    what else happens to a refused record
     */
    public CompactedView(String name, Map<String, ?> kafkaConfig, String topic, RecordHandler handler, Refusals refusals) {
        this.name = Objects.requireNonNull(name, "name");
        this.topic = Objects.requireNonNull(topic, "topic");
        this.handler = Objects.requireNonNull(handler, "handler");
        this.refusals = Objects.requireNonNull(refusals, "refusals");
        this.consumerConfig = consumerConfig(name, kafkaConfig);
    }

    /** Consumer settings for a view: the client settings given, narrowed to a consumer's, plus the view's own. */
    static Map<String, Object> consumerConfig(String name, Map<String, ?> kafkaConfig) {
        if (kafkaConfig.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG) == null) {
            throw new IllegalArgumentException("Kafka settings for view " + name + " lack "
                    + CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG + "; set it (KAFKA_BOOTSTRAP_SERVERS), e.g. localhost:9092");
        }
        Map<String, Object> config = new HashMap<>();
        config.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 100);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "tollgate-" + name);
        Set<String> consumerKeys = ConsumerConfig.configNames();
        kafkaConfig.forEach((key, value) -> {
            if (consumerKeys.contains(key) || key.startsWith("sasl.") || key.startsWith("ssl.")) {
                config.put(key, value);
            }
        });
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        config.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return Map.copyOf(config);
    }

    /**
     * Reads {@code topic} once, from the beginning to the end offsets taken now, on this thread. Throws
     * {@link IllegalStateException} naming the topic when it does not exist or the end is not reached in time.
     */
    public static Result readToEnd(String name, Map<String, ?> kafkaConfig, String topic, RecordHandler handler,
                                   Refusals refusals, Duration timeout) {
        CompactedView view = new CompactedView(name, kafkaConfig, topic, handler, refusals);
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Consumer<String, byte[]> c = view.newConsumer()) {
            List<PartitionInfo> infos = c.partitionsFor(topic, timeout);
            // a topic created a moment ago may not be in this broker's metadata yet: ask again until the deadline
            while ((infos == null || infos.isEmpty()) && System.nanoTime() - deadline < 0) {
                pause(POLL_TIMEOUT);
                infos = c.partitionsFor(topic, timeout);
            }
            if (infos == null || infos.isEmpty()) {
                throw new IllegalStateException("topic " + topic + " does not exist on "
                        + kafkaConfig.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG)
                        + "; start the stack (tollgate up) or create the Tollgate topics");
            }
            List<TopicPartition> partitions = infos.stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
            c.assign(partitions);
            c.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = c.endOffsets(partitions, timeout);
            while (!reached(c, end)) {
                if (System.nanoTime() - deadline > 0) {
                    throw new IllegalStateException("could not read " + topic + " to its end within " + timeout);
                }
                c.poll(POLL_TIMEOUT).forEach(view::applyOne);
            }
        }
        return new Result(view.applied(), view.refused());
    }

    /**
     * The current content of {@code topic}, each key's latest value decoded by {@code values} (a tombstone removes
     * the key); records that cannot be decoded are refused, reported to {@code refusals} and leave the key as it
     * was. For the CLI and tests.
     */
    public static <V> Map<String, V> readValues(String name, Map<String, ?> kafkaConfig, String topic,
                                                org.apache.kafka.common.serialization.Deserializer<V> values,
                                                Refusals refusals, Duration timeout) {
        Map<String, V> content = new java.util.LinkedHashMap<>();
        readToEnd(name, kafkaConfig, topic, record -> {
            if (record.value() == null) {
                content.remove(record.key());
            } else {
                content.put(record.key(), values.deserialize(record.topic(), record.headers(), record.value()));
            }
        }, refusals, timeout);
        return content;
    }

    /** What a one-shot read did. */
    public record Result(long applied, long refused) {
    }

    /** Starts following the topic on a daemon thread; returns at once. */
    public synchronized CompactedView start() {
        if (thread != null) {
            throw new IllegalStateException("view " + name + " is already started");
        }
        running = true;
        thread = Thread.ofPlatform().daemon().name("tollgate-" + name).start(this::runUntilClosed);
        return this;
    }

    /** True once every partition was read up to the end it had when the view started. */
    public boolean caughtUp() {
        return caughtUp.getCount() == 0;
    }

    /** Waits until {@link #caughtUp()}; false on timeout. */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public long applied() {
        return applied.get();
    }

    public long refused() {
        return refused.get();
    }

    public String topic() {
        return topic;
    }

    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            running = false;
            t = thread;
        }
        Consumer<String, byte[]> c = consumer;
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

    private Consumer<String, byte[]> newConsumer() {
        return new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new ByteArrayDeserializer());
    }

    private void runUntilClosed() {
        while (running) {
            try (Consumer<String, byte[]> c = newConsumer()) {
                consumer = c;
                follow(c);
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

    private void follow(Consumer<String, byte[]> c) {
        Set<TopicPartition> assigned = new HashSet<>();
        Map<TopicPartition, Long> startEnds = null;
        long nextRefresh = System.nanoTime();
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
            c.poll(POLL_TIMEOUT).forEach(this::applyOne);
            if (startEnds != null && !caughtUp() && reached(c, startEnds)) {
                caughtUp.countDown();
                LOG.info("view {} caught up with {} ({} records applied, {} refused)", name, topic, applied(), refused());
            }
        }
    }

    private void assignNewPartitions(Consumer<String, byte[]> c, Set<TopicPartition> assigned) {
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
            handler.handle(record);
            applied.incrementAndGet();
        } catch (Exception e) {
            refused.incrementAndGet();
            LOG.warn("view {} refused record {}-{}@{} key '{}': {}", name, record.topic(), record.partition(),
                    record.offset(), record.key(), e.getMessage());
            try {
                refusals.refused(record, e);
            } catch (RuntimeException hookFailure) {
                LOG.error("view {}: handling the refused record {}-{}@{} failed", name, record.topic(), record.partition(),
                        record.offset(), hookFailure);
            }
        }
    }

    private static boolean reached(Consumer<String, byte[]> c, Map<TopicPartition, Long> ends) {
        for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
            if (c.position(end.getKey()) < end.getValue()) {
                return false;
            }
        }
        return true;
    }

    private static void pause() {
        pause(RETRY_PAUSE);
    }

    private static void pause(Duration duration) {
        try {
            Thread.sleep(duration); // the broker or topic is not there yet: nothing to wait on but time
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
