package io.tollgate.schemas;

import io.tollgate.schemas.avro.BudgetAlert;
import io.tollgate.schemas.avro.ModelHealth;
import io.tollgate.schemas.avro.Policy;
import io.tollgate.schemas.avro.QuotaStatus;
import io.tollgate.schemas.avro.RoutingCommand;
import io.tollgate.schemas.avro.SpendTotal;
import io.tollgate.schemas.avro.UsageEvent;
import io.tollgate.schemas.serde.AvroSerde;
import io.tollgate.schemas.serde.AvroSerdeConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The one place Tollgate's topics live: each topic's name, key serde, value serde and how it is
 * kept (cleanup policy, retention). Names are constants; serdes need a schema-registry URL, so
 * they come from an instance: {@code Topics.forRegistry("mock://test").usage().valueSerde()}.
 */
public final class Topics {

    public static final String USAGE = "tollgate.usage.v1";
    public static final String QUOTA_STATUS = "tollgate.quota-status.v1";
    public static final String SPEND = "tollgate.spend.v1";
    public static final String MODEL_HEALTH = "tollgate.model-health.v1";
    public static final String POLICIES = "tollgate.policies.v1";
    public static final String ALERTS = "tollgate.alerts.v1";
    public static final String COMMANDS = "tollgate.commands.v1";
    public static final String DEAD_LETTER = "tollgate.dead-letter.v1";

    /** Dead-letter headers: why a record was refused, and where it came from. */
    public static final String DLQ_REASON_HEADER = "tollgate.dlq.reason";
    public static final String DLQ_DETAIL_HEADER = "tollgate.dlq.detail";
    public static final String DLQ_SOURCE_TOPIC_HEADER = "tollgate.dlq.source.topic";
    public static final String DLQ_SOURCE_PARTITION_HEADER = "tollgate.dlq.source.partition";
    public static final String DLQ_SOURCE_OFFSET_HEADER = "tollgate.dlq.source.offset";
    public static final String DLQ_APPLICATION_HEADER = "tollgate.dlq.application";

    /** How a topic is kept; used to create topics consistently everywhere. */
    public enum Cleanup { DELETE, COMPACT }

    /** A topic's name and retention, independent of any serde. */
    public record TopicSpec(String name, Cleanup cleanup, Duration retention) {
        public Map<String, String> configs() {
            return cleanup == Cleanup.COMPACT
                    ? Map.of("cleanup.policy", "compact")
                    : Map.of("cleanup.policy", "delete", "retention.ms", Long.toString(retention.toMillis()));
        }
    }

    /** A topic with its serdes. */
    public record Topic<K, V>(String name, Serde<K> keySerde, Serde<V> valueSerde) {
        public Topic {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(keySerde, "keySerde");
            Objects.requireNonNull(valueSerde, "valueSerde");
        }
    }

    private static final List<TopicSpec> SPECS = List.of(
            new TopicSpec(USAGE, Cleanup.DELETE, Duration.ofDays(7)),
            new TopicSpec(QUOTA_STATUS, Cleanup.COMPACT, null),
            new TopicSpec(SPEND, Cleanup.COMPACT, null),
            new TopicSpec(MODEL_HEALTH, Cleanup.COMPACT, null),
            new TopicSpec(POLICIES, Cleanup.COMPACT, null),
            new TopicSpec(ALERTS, Cleanup.DELETE, Duration.ofDays(30)),
            new TopicSpec(COMMANDS, Cleanup.COMPACT, null),
            new TopicSpec(DEAD_LETTER, Cleanup.DELETE, Duration.ofDays(14)));

    private final Map<String, ?> serdeConfig;

    private Topics(Map<String, ?> serdeConfig) {
        this.serdeConfig = Map.copyOf(serdeConfig);
    }

    /** Serdes that use the registry at {@code registryUrl} ({@code http(s)://...} or {@code mock://scope}). */
    public static Topics forRegistry(String registryUrl) {
        return new Topics(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL, registryUrl));
    }

    /** Serdes configured with full serde settings (registry URL, basic auth, auto-register). */
    public static Topics withSerdeConfig(Map<String, ?> serdeConfig) {
        if (!serdeConfig.containsKey(AvroSerdeConfig.SCHEMA_REGISTRY_URL)) {
            throw new IllegalArgumentException("serde config lacks '" + AvroSerdeConfig.SCHEMA_REGISTRY_URL
                    + "'; set it to the schema registry, e.g. http://localhost:8081 or mock://local");
        }
        return new Topics(serdeConfig);
    }

    /** Every topic Tollgate uses, with its retention. */
    public static List<TopicSpec> specs() {
        return SPECS;
    }

    public Map<String, ?> serdeConfig() {
        return serdeConfig;
    }

    public Topic<String, UsageEvent> usage() {
        return topic(USAGE, UsageEvent.class);
    }

    public Topic<String, QuotaStatus> quotaStatus() {
        return topic(QUOTA_STATUS, QuotaStatus.class);
    }

    public Topic<String, SpendTotal> spend() {
        return topic(SPEND, SpendTotal.class);
    }

    public Topic<String, ModelHealth> modelHealth() {
        return topic(MODEL_HEALTH, ModelHealth.class);
    }

    public Topic<String, Policy> policies() {
        return topic(POLICIES, Policy.class);
    }

    public Topic<String, BudgetAlert> alerts() {
        return topic(ALERTS, BudgetAlert.class);
    }

    public Topic<String, RoutingCommand> commands() {
        return topic(COMMANDS, RoutingCommand.class);
    }

    /** Dead letters keep the original bytes of key and value; the reason travels in headers. */
    public Topic<byte[], byte[]> deadLetter() {
        return new Topic<>(DEAD_LETTER, Serdes.ByteArray(), Serdes.ByteArray());
    }

    /** A value serde for any generated record type, configured like this instance's topics. */
    public <T extends SpecificRecord> Serde<T> valueSerde(Class<T> type) {
        AvroSerde<T> serde = new AvroSerde<>(type);
        serde.configure(serdeConfig, false);
        return serde;
    }

    private <V extends SpecificRecord> Topic<String, V> topic(String name, Class<V> type) {
        return new Topic<>(name, Serdes.String(), valueSerde(type));
    }
}
