package io.tollgate.gateway.control;

import io.tollgate.schemas.Topics;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How many gateways share the limits now (N of the share rule): the live members of one Kafka consumer
 * group that every gateway joins ({@code TOLLGATE_GATEWAY_GROUP}, default {@value #DEFAULT_GROUP}).
 *
 * <p>Membership: a consumer of the classic group protocol subscribes to {@code tollgate.commands.v1}, a topic
 * every deployment has, and pauses whatever it is assigned, so it fetches nothing; its poll loop on a daemon
 * thread only keeps it in the group. The classic protocol is chosen because its session timeout is the
 * client's to set ({@value #SESSION_TIMEOUT_MS} ms, the broker's default minimum): a gateway that dies
 * without leaving is dropped within that, one that shuts down leaves at once.
 *
 * <p>Signal: the group coordinator's own member list, read with {@code Admin.describeConsumerGroups} every
 * {@value #DESCRIBE_EVERY_MS} ms and at once after every rebalance of this member. The coordinator is the one
 * authority on who is in the group: the list includes a gateway from its JoinGroup on (during the rebalance
 * it causes, before anyone is assigned anything) until it leaves or its session expires, and it does not
 * depend on how many partitions the topic has, unlike counting assignments. N = the members plus this
 * gateway if the list does not show it yet, so never below 1; it is 1 until the first answer, and keeps its
 * last value while the coordinator cannot be asked. While joining, the list may show this member before its
 * consumer knows its own member id, so N is one too large for a moment. Both err on the safe side: a larger N
 * than the truth only makes shares smaller.
 */
public final class FleetMembership implements AutoCloseable {

    public static final String DEFAULT_GROUP = "tollgate-gateways";
    public static final String SIZE_GAUGE = "tollgate.gateway.fleet.size";
    static final int SESSION_TIMEOUT_MS = 6_000;
    static final int HEARTBEAT_MS = 1_000;
    static final long DESCRIBE_EVERY_MS = 1_000;
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(2);
    private static final Logger LOG = LoggerFactory.getLogger(FleetMembership.class);

    private final String groupId;
    private final Map<String, Object> consumerConfig;
    private final Map<String, Object> adminConfig;
    private final AtomicInteger size = new AtomicInteger(1);
    private final CountDownLatch joined = new CountDownLatch(1);
    private volatile boolean running;
    private volatile boolean describeNow = true;
    private volatile Consumer<byte[], byte[]> consumer;
    private Thread thread;

    /**
     * @param kafka   client settings with {@code bootstrap.servers}; only a consumer's and an admin client's
     *                settings are taken (security settings included)
     * @param groupId the group every gateway of the fleet joins
     */
    public FleetMembership(Map<String, ?> kafka, String groupId) {
        this.groupId = Objects.requireNonNull(groupId, "groupId");
        if (groupId.isBlank()) {
            throw new IllegalArgumentException("the gateways' group id is blank; set TOLLGATE_GATEWAY_GROUP to a name "
                    + "every gateway sharing the limits uses, or leave it unset for " + DEFAULT_GROUP);
        }
        if (kafka.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG) == null) {
            throw new IllegalArgumentException("Kafka settings lack bootstrap.servers; the fleet's membership is "
                    + "read from Kafka (set KAFKA_BOOTSTRAP_SERVERS)");
        }
        String clientId = "tollgate-gateway-fleet-" + UUID.randomUUID().toString().substring(0, 8);
        this.consumerConfig = select(kafka, ConsumerConfig.configNames());
        consumerConfig.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        consumerConfig.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        consumerConfig.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG); // a static member would outlive its gateway
        consumerConfig.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "classic");
        consumerConfig.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, SESSION_TIMEOUT_MS);
        consumerConfig.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, HEARTBEAT_MS);
        consumerConfig.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 60_000);
        consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumerConfig.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        this.adminConfig = select(kafka, AdminClientConfig.configNames());
        adminConfig.put(AdminClientConfig.CLIENT_ID_CONFIG, clientId + "-admin");
    }

    private static Map<String, Object> select(Map<String, ?> kafka, Set<String> names) {
        Map<String, Object> config = new HashMap<>();
        kafka.forEach((key, value) -> {
            if (names.contains(key) || key.startsWith("sasl.") || key.startsWith("ssl.")) {
                config.put(key, value);
            }
        });
        return config;
    }

    /** Joins the group on a daemon thread; returns at once. */
    public synchronized FleetMembership start() {
        if (thread != null) {
            throw new IllegalStateException("fleet membership of group " + groupId + " is already started");
        }
        running = true;
        thread = Thread.ofPlatform().daemon().name("tollgate-fleet-membership").start(this::run);
        return this;
    }

    /** The number of gateways in the fleet now, this one included; at least 1. */
    public int size() {
        return size.get();
    }

    public String groupId() {
        return groupId;
    }

    /** Waits until the coordinator lists this gateway as a member (so the others count it too); false on timeout. */
    public boolean awaitJoined(Duration timeout) throws InterruptedException {
        return joined.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void run() {
        try (Consumer<byte[], byte[]> c = new KafkaConsumer<>(consumerConfig, new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
             Admin admin = Admin.create(adminConfig)) {
            consumer = c;
            c.subscribe(List.of(Topics.COMMANDS), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    describeNow = true;
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    c.pause(partitions); // membership only: nothing to read
                    describeNow = true;
                }
            });
            long nextDescribe = System.nanoTime();
            while (running) {
                try {
                    c.poll(POLL);
                    if (describeNow || System.nanoTime() - nextDescribe >= 0) {
                        describeNow = false;
                        nextDescribe = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DESCRIBE_EVERY_MS);
                        describe(admin, c.groupMetadata().memberId());
                    }
                } catch (WakeupException e) {
                    // close() woke the poll: the loop condition decides
                } catch (RuntimeException e) {
                    LOG.warn("fleet membership of group {}: {}; keeping N = {}", groupId, e.toString(), size.get());
                }
            }
            // closing the consumer sends LeaveGroup: the other gateways see this one gone at their next look
        } catch (RuntimeException e) {
            LOG.error("fleet membership of group {} stopped; N stays {}", groupId, size.get(), e);
        }
    }

    private void describe(Admin admin, String memberId) {
        ConsumerGroupDescription group;
        try {
            group = admin.describeConsumerGroups(List.of(groupId)).describedGroups().get(groupId)
                    .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            running = false; // nobody but close() has a reason to interrupt this thread
            return;
        } catch (Exception e) {
            LOG.debug("describing group {} failed: {}; keeping N = {}", groupId, e.toString(), size.get());
            return;
        }
        Set<String> members = new HashSet<>();
        for (MemberDescription member : group.members()) {
            members.add(member.consumerId());
        }
        boolean listed = !memberId.isEmpty() && members.contains(memberId);
        int n = members.size() + (listed ? 0 : 1);
        int before = size.getAndSet(n);
        if (before != n) {
            LOG.info("gateway fleet of group {}: {} member(s) (was {})", groupId, n, before);
        }
        if (listed) {
            joined.countDown();
        }
    }

    @Override
    public void close() {
        Thread t;
        synchronized (this) {
            running = false;
            t = thread;
        }
        Consumer<byte[], byte[]> c = consumer;
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
}
