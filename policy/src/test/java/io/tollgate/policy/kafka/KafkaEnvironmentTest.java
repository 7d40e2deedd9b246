package io.tollgate.policy.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class KafkaEnvironmentTest {

    @Test
    void shouldTurnKafkaVariablesIntoClientPropertiesWhenReadingTheEnvironment() {
        // Given
        Map<String, String> env = Map.of(
                "KAFKA_BOOTSTRAP_SERVERS", "broker:9093",
                "KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "KAFKA_SASL_MECHANISM", "PLAIN",
                "KAFKA_SASL_JAAS_CONFIG", "org.apache.kafka.common.security.plain.PlainLoginModule required;",
                "KAFKA_SSL_TRUSTSTORE_LOCATION", "/etc/kafka/truststore.jks",
                "KAFKA_HEAP_OPTS", "-Xmx1g",
                "KAFKA_CLIENT_ID", " ",
                "TOLLGATE_ZONE", "UTC");

        // When
        Map<String, String> props = KafkaEnvironment.clientProperties(env);

        // Then
        assertThat(props).containsOnly(
                Map.entry("bootstrap.servers", "broker:9093"),
                Map.entry("security.protocol", "SASL_SSL"),
                Map.entry("sasl.mechanism", "PLAIN"),
                Map.entry("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required;"),
                Map.entry("ssl.truststore.location", "/etc/kafka/truststore.jks"));
        assertThat(KafkaEnvironment.security(props)).containsOnlyKeys("security.protocol", "sasl.mechanism",
                "sasl.jaas.config", "ssl.truststore.location");
    }
}
