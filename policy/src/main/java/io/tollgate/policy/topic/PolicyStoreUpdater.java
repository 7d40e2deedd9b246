package io.tollgate.policy.topic;

import io.tollgate.policy.deadletter.DeadLetter;
import io.tollgate.policy.records.PolicyRecordCheck;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.Policy;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a Kafka Streams global store equal to the compacted policy topic, for the Streams applications
 * (metering-stream, budget-alerts); the gateway and the CLI read the same topic through {@link PolicyView}. The
 * records arrive as bytes: the global thread must never fail on one (it cannot be replaced, its death puts the
 * application in ERROR, and Streams' dead-letter handlers cannot produce from it). Each record is judged by
 * {@link PolicyRecordCheck}, the rule every reader applies: applied (put, or deleted for a tombstone), or refused
 * (no key, unknown kind, unreadable, content under another key), in which case the key keeps what it held, and the
 * refusal is counted, logged and dead-lettered through a plain producer. A global store is rebuilt from the topic
 * at every start, so a refused record is refused again then, until {@code tollgate policy apply} replaces or
 * tombstones it.
 *
 * @param <V> what the store keeps of an applied record: its bytes ({@link #keepingBytes}, decoded on use) or the
 *            decoded record ({@link #keepingRecords})
 */
public final class PolicyStoreUpdater<V> implements Processor<byte[], byte[], Void, Void> {

    /** Where a refusal is counted and dead-lettered, and the application the dead letter names. */
    public record Refusals(String applicationId, Consumer<PolicyRecordCheck.Problem> counter,
                           Consumer<DeadLetter> deadLetters) {
    }

    private static final Logger LOG = LoggerFactory.getLogger(PolicyStoreUpdater.class);

    private final String storeName;
    private final Deserializer<Policy> deserializer;
    private final Refusals refusals;
    private final BiFunction<byte[], Policy, V> kept;
    private final AtomicLong changes;
    private ProcessorContext<Void, Void> context;
    private KeyValueStore<String, V> store;

    private PolicyStoreUpdater(String storeName, Deserializer<Policy> deserializer, Refusals refusals,
                               BiFunction<byte[], Policy, V> kept, AtomicLong changes) {
        this.storeName = storeName;
        this.deserializer = deserializer;
        this.refusals = refusals;
        this.kept = kept;
        this.changes = changes;
    }

    /** An updater of a store of the records' bytes. */
    public static PolicyStoreUpdater<byte[]> keepingBytes(String storeName, Deserializer<Policy> deserializer,
                                                          Refusals refusals) {
        return keepingBytes(storeName, deserializer, refusals, new AtomicLong());
    }

    /**
     * An updater of a store of the records' bytes that counts every record it applies in {@code changes}, after the
     * store has it: readers that cached what they read under the count they saw before reading know when to read
     * again. Streams restores a global store through its updater, so restored records are counted too.
     */
    public static PolicyStoreUpdater<byte[]> keepingBytes(String storeName, Deserializer<Policy> deserializer,
                                                          Refusals refusals, AtomicLong changes) {
        return new PolicyStoreUpdater<>(storeName, deserializer, refusals, (raw, policy) -> raw, changes);
    }

    /** An updater of a store of the decoded records. */
    public static PolicyStoreUpdater<Policy> keepingRecords(String storeName, Deserializer<Policy> deserializer,
                                                            Refusals refusals) {
        return new PolicyStoreUpdater<>(storeName, deserializer, refusals, (raw, policy) -> policy, new AtomicLong());
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        this.context = context;
        store = context.getStateStore(storeName);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        String key = record.key() == null ? null : new String(record.key(), StandardCharsets.UTF_8);
        PolicyRecordCheck.Outcome outcome;
        try {
            outcome = PolicyRecordCheck.check(key, record.value(), deserializer);
        } catch (RuntimeException e) {
            outcome = new PolicyRecordCheck.Refuse(key, PolicyRecordCheck.Problem.UNREADABLE,
                    "policy record '" + key + "' could not be checked: " + e);
        }
        switch (outcome) {
            case PolicyRecordCheck.Apply apply when apply.isDelete() -> {
                store.delete(key);
                changes.incrementAndGet();
            }
            case PolicyRecordCheck.Apply apply -> {
                store.put(key, kept.apply(record.value(), apply.policy()));
                changes.incrementAndGet();
            }
            case PolicyRecordCheck.Refuse refuse -> refuse(record, refuse);
        }
    }

    private void refuse(Record<byte[], byte[]> record, PolicyRecordCheck.Refuse refuse) {
        LOG.warn("policy record not applied: {} ({})", refuse.problem(), refuse.detail());
        RecordMetadata meta = context.recordMetadata().orElse(null);
        try {
            refusals.counter().accept(refuse.problem());
            refusals.deadLetters().accept(new DeadLetter(record.key(), record.value(), refuse.problem().name(),
                    refuse.detail(), refusals.applicationId(), meta == null ? Topics.POLICIES : meta.topic(),
                    meta == null ? -1 : meta.partition(), meta == null ? -1 : meta.offset()));
        } catch (RuntimeException e) {
            LOG.error("could not count or dead-letter the refused policy record '{}': {}", refuse.key(), e.toString());
        }
    }
}
