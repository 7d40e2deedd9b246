package io.tollgate.cli.policy;

import io.tollgate.cli.ops.ConnectionOptions;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.Policy;
import io.tollgate.policy.deadletter.DeadLetterPublisher;
import io.tollgate.policy.records.PolicySnapshot;
import io.tollgate.policy.topic.PolicyView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Reads and writes {@code tollgate.policies.v1} for the CLI: the current content through the policy module's
 * {@link PolicyView} (refused records dead-lettered and listed, never applied), and the publication of changes.
 */
public final class PolicyTopic {

    private final ConnectionOptions connection;
    private final Topics topics;

    public PolicyTopic(ConnectionOptions connection) {
        this.connection = connection;
        this.topics = Topics.forRegistry(connection.registryUrl());
    }

    /** The topic's current content; {@code progress} hears about records it could not read. */
    public PolicySnapshot read(Duration timeout, Consumer<String> progress) {
        return readView(timeout, progress).snapshot();
    }

    /**
     * The topic's current content under the policy-record rule: refused records (unreadable, or content under
     * another key) are not applied, go to the dead-letter topic, and are listed by key so they can be healed.
     */
    public PolicyView readView(Duration timeout, Consumer<String> progress) {
        try (DeadLetterPublisher deadLetters = new DeadLetterPublisher(connection.producer())) {
            PolicyView view = PolicyView.readOnce(connection.consumer(), topics.policies().valueSerde().deserializer(),
                    "tollgate-cli", deadLetters, timeout);
            view.refusedKeys().forEach((key, refuse) -> progress.accept("refused record " + key + " ("
                    + refuse.problem() + "): " + refuse.detail()));
            return view;
        }
    }

    /** Publishes {@code changes} (null = tombstone) and waits until every record is acknowledged. */
    public void publish(Map<String, Policy> changes) {
        if (changes.isEmpty()) {
            return;
        }
        try (KafkaProducer<String, Policy> producer = new KafkaProducer<>(connection.producer(), new StringSerializer(),
                topics.policies().valueSerde().serializer())) {
            List<Future<RecordMetadata>> sent = new ArrayList<>();
            changes.forEach((key, value) -> sent.add(producer.send(new ProducerRecord<>(Topics.POLICIES, key, value))));
            for (Future<RecordMetadata> future : sent) {
                future.get();
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("publishing to " + Topics.POLICIES + " failed: " + e.getCause().getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing policies", e);
        }
    }
}
