package io.tollgate.policy.topic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tollgate.localstack.junit.KafkaExtension;
import io.tollgate.localstack.junit.SharedKafka;
import io.tollgate.policy.deadletter.DeadLetter;
import io.tollgate.policy.deadletter.DeadLetterPublisher;
import io.tollgate.policy.records.PolicyRecordCheck.Problem;
import io.tollgate.policy.records.PolicySnapshot;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.ApiKeyPolicy;
import io.tollgate.schemas.avro.Policy;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(KafkaExtension.class)
class PolicyViewIT {

    private final String run = UUID.randomUUID().toString().substring(0, 8);

    private static Policy key(String id, String hash) {
        return Policy.newBuilder().setPolicy(ApiKeyPolicy.newBuilder().setKeyId(id).setKeyHash(hash)
                .setTenant("t").setTeam("team").setAgent("a").setTier("free").build()).build();
    }

    private void send(SharedKafka kafka, String key, byte[] value) throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(kafka.producerProperties(),
                new StringSerializer(), new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(Topics.POLICIES, key, value)).get();
        }
    }

    private static byte[] bytes(SharedKafka kafka, Policy policy) {
        Serializer<Policy> serializer = kafka.topics().policies().valueSerde().serializer();
        return serializer.serialize(Topics.POLICIES, policy);
    }

    @Test
    void shouldApplyValidRecordsAndRefuseAndDeadLetterPoisonWhenReadingTheTopic(SharedKafka kafka) throws Exception {
        // Given a valid key, an unreadable record, and a record that carries another key's content
        kafka.createTopics(3);
        String good = "k-good-" + run;
        String victim = "k-t9-" + run;
        String intruder = "k-intruder-" + run;
        send(kafka, "key:" + victim, bytes(kafka, key(victim, "a".repeat(64))));
        send(kafka, "key:" + good, bytes(kafka, key(good, "b".repeat(64))));
        send(kafka, "key:" + good + "-garbage", new byte[] {0, 0, 0, 0, 42, 7, 7});
        send(kafka, "key:" + intruder, bytes(kafka, key(victim, "c".repeat(64))));

        // When the topic is read
        PolicyView view;
        try (DeadLetterPublisher deadLetters = new DeadLetterPublisher(kafka.producerProperties())) {
            view = PolicyView.readOnce(kafka.producerProperties(), kafka.topics().policies().valueSerde().deserializer(),
                    "policy-view-it-" + run, deadLetters, Duration.ofSeconds(30));
        }

        // Then the valid records are applied, the intruder did not replace the victim's hash, and both poisons are listed
        PolicySnapshot snapshot = view.snapshot();
        assertThat(snapshot.key(good)).isPresent();
        assertThat(snapshot.key(victim).map(ApiKeyPolicy::getKeyHash)).contains("a".repeat(64));
        assertThat(snapshot.keyByHash("c".repeat(64))).isEmpty();
        assertThat(snapshot.key(intruder)).isEmpty();
        assertThat(view.refusedKeys()).containsOnlyKeys("key:" + good + "-garbage", "key:" + intruder);
        assertThat(view.refusedKeys().get("key:" + intruder).problem()).isEqualTo(Problem.KEY_MISMATCH);
        assertThat(view.refusedKeys().get("key:" + good + "-garbage").problem()).isEqualTo(Problem.UNREADABLE);

        // And both went to the dead-letter topic with their reason
        List<String> reasons = deadLetterReasons(kafka, "policy-view-it-" + run, run, 2);
        assertThat(reasons).containsExactlyInAnyOrder("KEY_MISMATCH", "UNREADABLE");
    }

    @Test
    void shouldKeepTheLastValidRecordWhenALaterRecordOfTheKeyIsRefusedWhileFollowing(SharedKafka kafka) throws Exception {
        kafka.createTopics(3);
        String id = "k-follow-" + run;
        PolicySnapshot snapshot = new PolicySnapshot();
        List<String> changes = new ArrayList<>();
        try (DeadLetterPublisher deadLetters = new DeadLetterPublisher(kafka.producerProperties());
             PolicyView view = PolicyView.follow(kafka.producerProperties(),
                     kafka.topics().policies().valueSerde().deserializer(), "policy-follow-it-" + run, snapshot,
                     deadLetters, (key, policy) -> changes.add(key))) {
            assertThat(view.awaitCaughtUp(Duration.ofSeconds(30))).isTrue();

            send(kafka, "key:" + id, bytes(kafka, key(id, "d".repeat(64))));
            await().atMost(Duration.ofSeconds(20)).until(() -> snapshot.key(id).isPresent());
            send(kafka, "key:" + id, "not avro".getBytes(StandardCharsets.UTF_8));
            await().atMost(Duration.ofSeconds(20)).until(() -> view.refusedKeys().containsKey("key:" + id));

            assertThat(snapshot.key(id).map(ApiKeyPolicy::getKeyHash)).contains("d".repeat(64));
            assertThat(changes).containsOnlyOnce("key:" + id);

            send(kafka, "key:" + id, null);
            await().atMost(Duration.ofSeconds(20)).until(() -> snapshot.key(id).isEmpty());
            assertThat(view.refusedKeys()).doesNotContainKey("key:" + id);
        }
    }

    /** Reasons of the dead letters {@code application} wrote for records whose key contains {@code keyPart}. */
    private static List<String> deadLetterReasons(SharedKafka kafka, String application, String keyPart, int expected) {
        List<String> reasons = new ArrayList<>();
        Map<String, Object> props = kafka.consumerProperties("dlq-reader-" + UUID.randomUUID());
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(Topics.DEAD_LETTER));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (application.equals(DeadLetter.header(r.headers(), Topics.DLQ_APPLICATION_HEADER))
                            && r.key() != null && new String(r.key(), StandardCharsets.UTF_8).contains(keyPart)) {
                        reasons.add(DeadLetter.header(r.headers(), Topics.DLQ_REASON_HEADER));
                    }
                }
                return reasons.size() >= expected;
            });
        }
        return reasons;
    }
}
