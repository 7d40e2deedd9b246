package io.tollgate.gateway.it;

import io.tollgate.localstack.junit.SharedKafka;
import io.tollgate.policy.records.PolicyRecords;
import io.tollgate.policy.topic.CompactedView;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.Policy;
import io.tollgate.schemas.policy.TollgateConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Puts a policy file's policies on {@code tollgate.policies.v1} as {@code tollgate policy apply} does
 * ({@link PolicyRecords#toPolicies}, then one producer), for tests that start a gateway following the topic:
 * a gateway takes its keys and limits from the topic only. Returns once Kafka has acknowledged every record,
 * so a gateway started afterwards reads them before it serves.
 *
 * <p>Test classes share one broker and so one policy topic: each should use key ids (and tier names) of its
 * own, e.g. through {@link #withKeyIdSuffix}. Models, providers and routing are one namespace for everyone, so,
 * as {@code policy apply} does, the models and providers on the topic that {@code config} does not declare are
 * deleted: a cheaper model another class left behind must not win this class's routing.
 */
public final class PolicyTopic {

    private PolicyTopic() {
    }

    public static void publish(SharedKafka kafka, TollgateConfig config, String source) {
        publish(kafka.producerProperties(), kafka.topics(), config, source);
    }

    /** @param producerProperties bootstrap servers, registry URL and producer settings */
    public static void publish(Map<String, Object> producerProperties, Topics topics, TollgateConfig config,
                               String source) {
        try (KafkaProducer<String, Policy> producer = new KafkaProducer<>(producerProperties, new StringSerializer(),
                topics.policies().valueSerde().serializer())) {
            List<Future<RecordMetadata>> acks = new ArrayList<>();
            Map<String, Policy> desired = PolicyRecords.toPolicies(config, source);
            desired.forEach((key, policy) -> acks.add(producer.send(new ProducerRecord<>(Topics.POLICIES, key, policy))));
            CompactedView.readValues("policy-topic-it", producerProperties, Topics.POLICIES, (topic, data) -> data,
                    CompactedView.Refusals.LOG_ONLY, java.time.Duration.ofSeconds(30)).keySet().stream()
                    .filter(key -> key.startsWith(PolicyRecords.MODEL_PREFIX) || key.startsWith(PolicyRecords.PROVIDER_PREFIX))
                    .filter(key -> !desired.containsKey(key))
                    .forEach(key -> acks.add(producer.send(new ProducerRecord<>(Topics.POLICIES, key, null))));
            for (Future<RecordMetadata> ack : acks) {
                ack.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while publishing the policies of " + source, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("could not publish the policies of " + source + " to " + Topics.POLICIES,
                    e.getCause());
        }
    }

    /** {@code config} with {@code suffix} appended to every key id (secrets and everything else unchanged). */
    public static TollgateConfig withKeyIdSuffix(TollgateConfig config, String suffix) {
        List<TollgateConfig.ApiKey> keys = config.keys().stream()
                .map(k -> new TollgateConfig.ApiKey(k.id() + suffix, k.keyHash(), k.tenant(), k.team(), k.agent(),
                        k.tier(), k.allowedModels(), k.limits(), k.revoked()))
                .toList();
        return new TollgateConfig(config.organisation(), config.tenants(), config.providers(), config.models(),
                config.tiers(), keys, config.budgets(), config.routing());
    }
}
