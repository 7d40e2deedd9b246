package io.tollgate.cli.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ConnectionOptionsTest {

    @Test
    void shouldGiveEveryClientTheSecuritySettingsOfTheEnvironmentAndTheBrokersOfTheOption() {
        // Given a secured broker's settings in the environment
        String jaas = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"ops\" password=\"pw\";";
        Map<String, String> env = Map.of("KAFKA_BOOTSTRAP_SERVERS", "elsewhere:9092", "KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "KAFKA_SASL_MECHANISM", "PLAIN", "KAFKA_SASL_JAAS_CONFIG", jaas,
                "KAFKA_SSL_TRUSTSTORE_LOCATION", "/etc/tollgate/truststore.jks", "KAFKA_LINGER_MS", "50");

        // When
        ConnectionOptions connection = new ConnectionOptions("broker:9093", "http://registry:8081", env);

        // Then producers and consumers (policy, keys, commands, alerts) authenticate; --bootstrap-servers wins
        for (Map<String, Object> props : java.util.List.of(connection.consumer(), connection.producer())) {
            assertThat(props).containsEntry("bootstrap.servers", "broker:9093").containsEntry("security.protocol", "SASL_SSL")
                    .containsEntry("sasl.mechanism", "PLAIN").containsEntry("sasl.jaas.config", jaas)
                    .containsEntry("ssl.truststore.location", "/etc/tollgate/truststore.jks").doesNotContainKey("linger.ms");
        }
    }
}
