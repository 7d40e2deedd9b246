package io.tollgate.policy.topic;

import io.tollgate.policy.deadletter.DeadLetter;
import io.tollgate.policy.deadletter.DeadLetterPublisher;
import io.tollgate.policy.records.PolicyRecordCheck;
import io.tollgate.policy.records.PolicySnapshot;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.Policy;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code tollgate.policies.v1} read into a {@link PolicySnapshot} under {@link PolicyRecordCheck}'s rule: a
 * record that is unreadable, has no policy key, or whose content belongs under another key is never applied
 * (the key keeps what it had), is counted, and goes to the dead-letter topic with the check's reason. The keys
 * whose latest record was refused are remembered ({@link #refusedKeys()}), so {@code tollgate policy apply}
 * can replace or tombstone exactly those and the compacted topic heals.
 *
 * <p>{@link #follow} keeps a snapshot current on a daemon thread (gateway); {@link #readOnce} reads the topic's
 * current content on the caller's thread (CLI).
 */
public final class PolicyView implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(PolicyView.class);

    /** Told after every applied change (never for refused records); must be quick and not throw. */
    @FunctionalInterface
    public interface Listener {
        Listener NONE = (key, policy) -> { };

        void changed(String key, Policy policyOrNullWhenDeleted);
    }

    private final PolicySnapshot snapshot;
    private final Deserializer<Policy> deserializer;
    private final String application;
    private final DeadLetterPublisher deadLetters;
    private final Listener listener;
    private final Map<String, PolicyRecordCheck.Refuse> refusedKeys = new ConcurrentHashMap<>();
    private final AtomicLong refused = new AtomicLong();
    private CompactedView view;

    private PolicyView(PolicySnapshot snapshot, Deserializer<Policy> deserializer, String application,
                       DeadLetterPublisher deadLetters, Listener listener) {
        this.snapshot = Objects.requireNonNull(snapshot, "snapshot");
        this.deserializer = Objects.requireNonNull(deserializer, "deserializer");
        this.application = Objects.requireNonNull(application, "application");
        this.deadLetters = Objects.requireNonNull(deadLetters, "deadLetters");
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /**
     * Starts following the policy topic into {@code snapshot}. {@code application} names the reader in dead
     * letters (e.g. {@code tollgate-gateway}).
     */
    public static PolicyView follow(Map<String, ?> kafkaConfig, Deserializer<Policy> deserializer, String application,
                                    PolicySnapshot snapshot, DeadLetterPublisher deadLetters, Listener listener) {
        PolicyView policies = new PolicyView(snapshot, deserializer, application, deadLetters, listener);
        policies.view = new CompactedView(application + "-policies", kafkaConfig, Topics.POLICIES, policies::handle,
                CompactedView.Refusals.LOG_ONLY).start();
        return policies;
    }

    /** Reads the policy topic's current content once; refused records are dead-lettered and listed. */
    public static PolicyView readOnce(Map<String, ?> kafkaConfig, Deserializer<Policy> deserializer, String application,
                                      DeadLetterPublisher deadLetters, Duration timeout) {
        PolicyView policies = new PolicyView(new PolicySnapshot(), deserializer, application, deadLetters, Listener.NONE);
        CompactedView.readToEnd(application + "-policies", kafkaConfig, Topics.POLICIES, policies::handle,
                CompactedView.Refusals.LOG_ONLY, timeout);
        deadLetters.flush();
        return policies;
    }

    public PolicySnapshot snapshot() {
        return snapshot;
    }

    /** Keys whose latest record was refused, with why; a later valid record or tombstone of the key clears it. */
    public Map<String, PolicyRecordCheck.Refuse> refusedKeys() {
        return new TreeMap<>(refusedKeys);
    }

    /** Records refused since the view started. */
    public long refused() {
        return refused.get();
    }

    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return view == null || view.awaitCaughtUp(timeout);
    }

    public boolean caughtUp() {
        return view == null || view.caughtUp();
    }

    private void handle(ConsumerRecord<String, byte[]> record) {
        PolicyRecordCheck.Outcome outcome = PolicyRecordCheck.check(record.key(), record.value(), deserializer);
        switch (outcome) {
            case PolicyRecordCheck.Apply apply -> {
                snapshot.apply(apply.key(), apply.policy());
                refusedKeys.remove(apply.key());
                listener.changed(apply.key(), apply.policy());
            }
            case PolicyRecordCheck.Refuse refuse -> {
                refused.incrementAndGet();
                if (refuse.key() != null) {
                    refusedKeys.put(refuse.key(), refuse);
                }
                LOG.warn("policy record {}-{}@{} refused ({}): {}", record.topic(), record.partition(), record.offset(),
                        refuse.problem(), refuse.detail());
                deadLetters.publish(new DeadLetter(record.key() == null ? null
                        : record.key().getBytes(java.nio.charset.StandardCharsets.UTF_8), record.value(),
                        refuse.problem().name(), refuse.detail(), application, record.topic(), record.partition(),
                        record.offset()));
            }
        }
    }

    @Override
    public void close() {
        if (view != null) {
            view.close();
        }
    }
}
