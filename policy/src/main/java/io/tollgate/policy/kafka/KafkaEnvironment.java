package io.tollgate.policy.kafka;

import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * How every Tollgate service and the CLI read Kafka client settings from the environment:
 * {@code KAFKA_X_Y=v} becomes the client property {@code x.y=v} (the bakdata convention), so
 * security ({@code KAFKA_SECURITY_PROTOCOL}, {@code KAFKA_SASL_MECHANISM}, {@code KAFKA_SASL_JAAS_CONFIG},
 * {@code KAFKA_SSL_TRUSTSTORE_LOCATION}, ...) and any other client setting reach every producer,
 * consumer, admin client and Streams application without code changes.
 */
public final class KafkaEnvironment {

    public static final String PREFIX = "KAFKA_";

    /** Variables of Kafka's own scripts and images, not client properties. */
    public static final Set<String> SCRIPT_VARIABLES = Set.of("KAFKA_HEAP_OPTS", "KAFKA_OPTS", "KAFKA_JMX_OPTS",
            "KAFKA_LOG4J_OPTS", "KAFKA_JVM_PERFORMANCE_OPTS", "KAFKA_DEBUG", "KAFKA_GC_LOG_OPTS");

    private KafkaEnvironment() {
    }

    /** Every {@code KAFKA_*} variable of {@code env} with a value, as client properties (sorted by name). */
    public static Map<String, String> clientProperties(Map<String, String> env) {
        Map<String, String> props = new TreeMap<>();
        env.forEach((name, value) -> {
            if (name.startsWith(PREFIX) && name.length() > PREFIX.length() && !SCRIPT_VARIABLES.contains(name)
                    && value != null && !value.isBlank()) {
                props.put(property(name), value);
            }
        });
        return props;
    }

    /** {@code KAFKA_SASL_JAAS_CONFIG} -> {@code sasl.jaas.config}. */
    public static String property(String variable) {
        return variable.substring(PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
    }

    /** {@code security.protocol} and every {@code sasl.*} and {@code ssl.*} property: how a client authenticates. */
    public static boolean isSecurity(String property) {
        return property.equals("security.protocol") || property.startsWith("sasl.") || property.startsWith("ssl.");
    }

    /** The security properties of {@code properties} only, for a client that takes nothing else from them. */
    public static Map<String, String> security(Map<String, ?> properties) {
        Map<String, String> out = new TreeMap<>();
        properties.forEach((k, v) -> {
            if (isSecurity(k) && v != null) {
                out.put(k, String.valueOf(v));
            }
        });
        return out;
    }
}
