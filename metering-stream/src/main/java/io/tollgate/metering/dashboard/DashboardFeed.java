package io.tollgate.metering.dashboard;

import io.tollgate.metering.config.MeteringConfig;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.BudgetAlert;
import io.tollgate.schemas.avro.BudgetPolicy;
import io.tollgate.schemas.avro.Policy;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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
 * What the dashboard needs that metering's stores do not hold: the budget policies of
 * {@code tollgate.policies.v1} (every {@code budget:*} key, latest value, tombstones delete) and the newest
 * {@code capacity} alerts of {@code tollgate.alerts.v1}. One plain consumer without a group (it assigns every
 * partition itself, so each instance sees everything), {@code read_committed}, on its own thread.
 * Records it cannot read are skipped and counted: this is a read-only view, the owners of those topics
 * deal with poison records.
 */
public final class DashboardFeed implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DashboardFeed.class);
    static final int DEFAULT_CAPACITY = 50;
    private static final String BUDGET_PREFIX = "budget:";

    private final KafkaConsumer<String, byte[]> consumer;
    private final Deserializer<Policy> policies;
    private final Deserializer<BudgetAlert> alerts;
    private final int capacity;
    private final Map<String, BudgetPolicy> budgets = new TreeMap<>();
    private final ArrayDeque<BudgetAlert> recent = new ArrayDeque<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean assigned;
    private long unreadable;

    private DashboardFeed(Map<String, Object> consumerProps, Topics topics, int capacity) {
        this.consumer = new KafkaConsumer<>(consumerProps, new StringDeserializer(), new ByteArrayDeserializer());
        this.policies = topics.policies().valueSerde().deserializer();
        this.alerts = topics.alerts().valueSerde().deserializer();
        this.capacity = capacity;
        this.thread = new Thread(this::run, "metering-dashboard-feed");
        this.thread.setDaemon(true);
    }

    /** Starts following the policy and alert topics with metering's Kafka settings and registry. */
    public static DashboardFeed start(MeteringConfig config) {
        return start(config, DEFAULT_CAPACITY);
    }

    static DashboardFeed start(MeteringConfig config, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("dashboard alert capacity is " + capacity + "; expected one or more");
        }
        Map<String, Object> props = new HashMap<>(config.kafka());
        // Streams-only settings would only produce warnings in a plain consumer
        props.keySet().removeIf(k -> k.startsWith("producer.") || k.startsWith("consumer.")
                || k.startsWith("admin.") || k.startsWith("main.consumer.") || k.startsWith("restore.consumer."));
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.CLIENT_ID_CONFIG, config.applicationId() + "-dashboard");
        DashboardFeed feed = new DashboardFeed(props, Topics.forRegistry(config.schemaRegistryUrl()), capacity);
        feed.thread.start();
        return feed;
    }

    /** Budget policies by policy key ({@code budget:team:acme@DAY}), sorted by key. */
    public synchronized Map<String, BudgetPolicy> budgets() {
        return new TreeMap<>(budgets);
    }

    /** The newest alerts, newest first (by arrival). */
    public synchronized List<BudgetAlert> alerts() {
        List<BudgetAlert> out = new ArrayList<>(recent);
        java.util.Collections.reverse(out);
        return out;
    }

    /** True once both topics are assigned (before that the lists are empty because nothing was read). */
    public boolean following() {
        return assigned;
    }

    public synchronized long unreadableRecords() {
        return unreadable;
    }

    private void run() {
        try {
            while (running) {
                if (!assigned && !assign()) {
                    Thread.sleep(500); // topics not created yet; metering itself may be creating them
                    continue;
                }
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    apply(r);
                }
            }
        } catch (WakeupException e) {
            if (running) {
                LOG.error("dashboard feed woken up unexpectedly", e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("dashboard feed stopped: budgets and alerts on the dashboard no longer update", e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private boolean assign() {
        List<TopicPartition> policyParts = partitions(Topics.POLICIES);
        List<TopicPartition> alertParts = partitions(Topics.ALERTS);
        if (policyParts.isEmpty() || alertParts.isEmpty()) {
            return false;
        }
        List<TopicPartition> all = new ArrayList<>(policyParts);
        all.addAll(alertParts);
        consumer.assign(all);
        consumer.seekToBeginning(policyParts);
        // only the newest `capacity` alerts of each partition matter; older ones would be dropped anyway
        Map<TopicPartition, Long> begin = consumer.beginningOffsets(alertParts);
        Map<TopicPartition, Long> end = consumer.endOffsets(alertParts);
        for (TopicPartition tp : alertParts) {
            consumer.seek(tp, Math.max(begin.get(tp), end.get(tp) - capacity));
        }
        assigned = true;
        LOG.info("dashboard feed follows {} policy and {} alert partitions", policyParts.size(), alertParts.size());
        return true;
    }

    private List<TopicPartition> partitions(String topic) {
        try {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(5));
            return infos == null ? List.of() : infos.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            // broker not reachable yet: try again on the next round rather than give up on the dashboard
            LOG.info("dashboard feed cannot see {} yet ({})", topic, e.getMessage());
            return List.of();
        }
    }

    private synchronized void apply(ConsumerRecord<String, byte[]> r) {
        try {
            if (r.topic().equals(Topics.POLICIES)) {
                if (r.key() == null || !r.key().startsWith(BUDGET_PREFIX)) {
                    return;
                }
                if (r.value() == null) {
                    budgets.remove(r.key());
                    return;
                }
                Policy p = policies.deserialize(r.topic(), r.headers(), r.value());
                if (p.getPolicy() instanceof BudgetPolicy b) {
                    budgets.put(r.key(), b);
                } else {
                    budgets.remove(r.key());
                }
            } else if (r.value() != null) {
                recent.addLast(alerts.deserialize(r.topic(), r.headers(), r.value()));
                while (recent.size() > capacity) {
                    recent.removeFirst();
                }
            }
        } catch (RuntimeException e) {
            unreadable++;
            LOG.warn("dashboard skips unreadable record {}-{}@{} ({})", r.topic(), r.partition(), r.offset(), e.getMessage());
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
