package io.tollgate.cli.ops;

import io.tollgate.policy.kafka.KafkaEnvironment;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import picocli.CommandLine.Option;

/**
 * {@code --bootstrap-servers} and {@code --registry-url}, shared by every command that reads or writes topics.
 * A secured broker's settings come from the environment as for the services: {@code KAFKA_SECURITY_PROTOCOL},
 * {@code KAFKA_SASL_*}, {@code KAFKA_SSL_*} ({@link KafkaEnvironment#security}).
 */
public final class ConnectionOptions {

    @Option(names = "--bootstrap-servers", paramLabel = "HOST:PORT",
            description = "Kafka brokers (default: ${DEFAULT-VALUE}, the local stack's broker).")
    String bootstrapServers = "localhost:9092";

    @Option(names = "--registry-url", paramLabel = "URL",
            description = "Schema registry (default: ${DEFAULT-VALUE}, the local stack's registry).")
    String registryUrl = "http://localhost:8081";

    private final Map<String, String> env;

    public ConnectionOptions() {
        this.env = System.getenv();
    }

    public ConnectionOptions(String bootstrapServers, String registryUrl) {
        this(bootstrapServers, registryUrl, System.getenv());
    }

    /** With {@code env} in place of the process environment (tests, and {@code tollgate up} for its own broker). */
    public ConnectionOptions(String bootstrapServers, String registryUrl, Map<String, String> env) {
        this.bootstrapServers = bootstrapServers;
        this.registryUrl = registryUrl;
        this.env = Map.copyOf(env);
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public String registryUrl() {
        return registryUrl;
    }

    /** Consumer settings that fail fast when the broker is not there, instead of retrying for minutes. */
    public Map<String, Object> consumer() {
        Map<String, Object> props = common();
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        return props;
    }

    /** Idempotent producer with {@code acks=all}: a policy is either on the topic once or not at all. */
    public Map<String, Object> producer() {
        Map<String, Object> props = common();
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000);
        props.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        props.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
        return props;
    }

    private Map<String, Object> common() {
        if (bootstrapServers == null || bootstrapServers.isBlank()) {
            throw new IllegalArgumentException("--bootstrap-servers is empty; expected host:port, e.g. localhost:9092");
        }
        Map<String, Object> props = new HashMap<>(KafkaEnvironment.security(KafkaEnvironment.clientProperties(env)));
        props.put("bootstrap.servers", bootstrapServers);
        props.put("default.api.timeout.ms", 15_000);
        props.put("request.timeout.ms", 15_000);
        return props;
    }
}
