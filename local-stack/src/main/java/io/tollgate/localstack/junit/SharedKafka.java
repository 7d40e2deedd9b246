package io.tollgate.localstack.junit;

import io.tollgate.localstack.EmbeddedKafka;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.serde.AvroSerdeConfig;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What an integration test gets from {@link KafkaExtension}: the broker shared by the whole test
 * JVM, and a schema-registry scope of its own ({@code mock://...}, fresh per test class).
 */
public final class SharedKafka {

    private final EmbeddedKafka broker;
    private final String registryUrl;

    SharedKafka(EmbeddedKafka broker, String registryUrl) {
        this.broker = broker;
        this.registryUrl = registryUrl;
    }

    /** {@code 127.0.0.1:<port>} of the shared broker. */
    public String bootstrapServers() {
        return broker.bootstrapServers();
    }

    /** {@code mock://<scope>}, unique to the test class. */
    public String registryUrl() {
        return registryUrl;
    }

    /** Tollgate's topics with serdes bound to this class's registry scope. */
    public Topics topics() {
        return Topics.forRegistry(registryUrl);
    }

    /** Creates every topic in {@link Topics#specs()} that does not exist yet (topics outlive test classes). */
    public void createTopics(int partitions) {
        broker.createTopics(Topics.specs(), partitions);
    }

    /** Creates the given topics if absent. */
    public void createTopics(List<Topics.TopicSpec> specs, int partitions) {
        broker.createTopics(specs, partitions);
    }

    /** The shared broker itself (e.g. for its admin properties); do not close it. */
    public EmbeddedKafka broker() {
        return broker;
    }

    /** Serde configuration pointing at this class's registry scope. */
    public Map<String, Object> serdeConfig() {
        Map<String, Object> config = new HashMap<>();
        config.put(AvroSerdeConfig.SCHEMA_REGISTRY_URL, registryUrl);
        return config;
    }

    /** Idempotent producer settings (acks=all) plus the registry URL; pass serializers to the constructor. */
    public Map<String, Object> producerProperties() {
        Map<String, Object> props = serdeConfig();
        props.put("bootstrap.servers", bootstrapServers());
        props.put("acks", "all");
        props.put("enable.idempotence", "true");
        props.put("linger.ms", "0");
        return props;
    }

    /**
     * Consumer settings reading from the earliest offset and only committed transactional data,
     * so tests see exactly what exactly-once applications committed.
     */
    public Map<String, Object> consumerProperties(String groupId) {
        Map<String, Object> props = serdeConfig();
        props.put("bootstrap.servers", bootstrapServers());
        props.put("group.id", groupId);
        props.put("auto.offset.reset", "earliest");
        props.put("isolation.level", "read_committed");
        props.put("enable.auto.commit", "false");
        return props;
    }

    /**
     * Kafka Streams settings for a test application: its id, the registry URL, a short commit
     * interval so results appear quickly, and a state directory under {@code stateDir}.
     */
    public Map<String, Object> streamsProperties(String applicationId, Path stateDir) {
        Map<String, Object> props = serdeConfig();
        props.put("application.id", applicationId);
        props.put("bootstrap.servers", bootstrapServers());
        props.put("state.dir", stateDir.toAbsolutePath().toString());
        props.put("commit.interval.ms", "100");
        props.put("statestore.cache.max.bytes", "0");
        props.put("num.stream.threads", "1");
        return props;
    }

    @Override
    public String toString() {
        return "SharedKafka[" + bootstrapServers() + ", " + registryUrl + "]";
    }
}
