package io.tollgate.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.schemas.policy.PolicyFileParser;
import io.tollgate.schemas.policy.TollgateConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class GatewayConfigLoaderTest {

    private static final TollgateConfig EXAMPLE = PolicyFileParser.parse(Path.of("..", "tollgate.yaml"), k -> null);

    @Test
    void shouldTurnKafkaVariablesIntoClientPropertiesWhenLoading() {
        GatewayConfig config = new GatewayConfigLoader(Map.of("KAFKA_BOOTSTRAP_SERVERS", "k1:9092,k2:9092",
                "KAFKA_LINGER_MS", "20", "TOLLGATE_GATEWAY_PORT", "9999", "TOLLGATE_SPOOL_DIR", "/var/spool/tg",
                "TOLLGATE_SCHEMA_REGISTRY_URL", "http://registry:8081")).load(EXAMPLE, "tollgate.yaml");

        assertThat(config.kafka()).containsEntry("bootstrap.servers", "k1:9092,k2:9092").containsEntry("linger.ms", "20");
        assertThat(config.port()).isEqualTo(9999);
        assertThat(config.spoolDir()).isEqualTo(Path.of("/var/spool/tg"));
        assertThat(config.registryUrl()).isEqualTo("http://registry:8081");
        assertThat(config.kafkaEnabled()).isTrue();
    }

    @Test
    void shouldPassKafkaSecuritySettingsToTheClientsWhenTheyAreInTheEnvironment() {
        // Given a secured broker's settings
        String jaas = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"gw\" password=\"pw\";";
        Map<String, String> env = Map.of("KAFKA_BOOTSTRAP_SERVERS", "broker:9093", "KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "KAFKA_SASL_MECHANISM", "PLAIN", "KAFKA_SASL_JAAS_CONFIG", jaas,
                "KAFKA_SSL_TRUSTSTORE_LOCATION", "/etc/tollgate/truststore.jks", "KAFKA_HEAP_OPTS", "-Xmx1g");

        // When
        GatewayConfig config = new GatewayConfigLoader(env).load(EXAMPLE, "tollgate.yaml");

        // Then every client (event sink, control views, policy listener) is built from these properties
        assertThat(config.kafka()).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "PLAIN")
                .containsEntry("sasl.jaas.config", jaas).containsEntry("ssl.truststore.location", "/etc/tollgate/truststore.jks")
                .doesNotContainKey("heap.opts");
    }

    @Test
    void shouldBindTheAdminListenerToLoopbackWithoutATokenWhenNothingIsSet() {
        GatewayConfig config = new GatewayConfigLoader(Map.of()).load(EXAMPLE, "tollgate.yaml");

        assertThat(config.admin().host()).isEqualTo("127.0.0.1");
        assertThat(config.admin().port()).isEqualTo(8090);
        assertThat(config.admin().token()).isEmpty();
    }

    @Test
    void shouldReadTheAdminListenerWhenConfiguredAndNeverPrintTheToken() {
        String token = "admin-token-0123456789abcdef";
        GatewayConfig config = new GatewayConfigLoader(Map.of("TOLLGATE_ADMIN_HOST", "0.0.0.0", "TOLLGATE_ADMIN_PORT", "0",
                "TOLLGATE_ADMIN_TOKEN", token)).load(EXAMPLE, "tollgate.yaml");

        assertThat(config.admin().host()).isEqualTo("0.0.0.0");
        assertThat(config.admin().port()).isZero();
        assertThat(config.admin().token()).get().satisfies(t -> assertThat(t.matches(token)).isTrue());
        assertThat(config.admin().toString()).doesNotContain(token);
        assertThatThrownBy(() -> new GatewayConfigLoader(Map.of("TOLLGATE_ADMIN_TOKEN", "short")).load(EXAMPLE, "x"))
                .hasMessageContaining("TOLLGATE_ADMIN_TOKEN").hasMessageNotContaining("short");
    }

    @Test
    void shouldLeaveAutoWaitToThePolicyTopicUnlessTheVariableOverridesTheLongestWait() {
        GatewayConfig config = new GatewayConfigLoader(Map.of()).load(EXAMPLE, "tollgate.yaml");
        GatewayConfig overridden = new GatewayConfigLoader(Map.of("TOLLGATE_MAX_WAIT_MS", "2500")).load(EXAMPLE, "tollgate.yaml");

        assertThat(config.maxWaitOverride()).isEmpty();
        assertThat(overridden.maxWaitOverride()).contains(Duration.ofMillis(2_500));
        assertThat(config.maxBodyBytes()).isEqualTo(4L * 1024 * 1024);
        assertThat(config.kafkaEnabled()).isFalse();
    }

    @Test
    void shouldNameTheVariableWhenAValueIsNotANumber() {
        assertThatThrownBy(() -> new GatewayConfigLoader(Map.of("TOLLGATE_GATEWAY_PORT", "eighty")).load(EXAMPLE, "x"))
                .hasMessageContaining("TOLLGATE_GATEWAY_PORT='eighty'");
    }

    @Test
    void shouldSayWhichFileIsMissingWhenTollgateConfigPointsNowhere() {
        assertThatThrownBy(() -> new GatewayConfigLoader(Map.of("TOLLGATE_CONFIG", "/nope/tollgate.yaml")).load())
                .hasMessageContaining("/nope/tollgate.yaml").hasMessageContaining("TOLLGATE_CONFIG");
    }
}
