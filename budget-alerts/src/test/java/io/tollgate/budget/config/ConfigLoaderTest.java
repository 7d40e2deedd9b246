package io.tollgate.budget.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {

    @TempDir
    Path dir;

    @Test
    void shouldLetTheEnvironmentOverrideTheFileWhenBothSetAKey() throws IOException {
        // Given a file and an environment that both set the port
        Path file = dir.resolve("budget.properties");
        Files.writeString(file, """
                kafka.bootstrap.servers=file:9092
                kafka.commit.interval.ms=250
                tollgate.budget.http-port=9000
                tollgate.zone=Europe/Berlin
                tollgate.budget.forecast-horizon=90m
                """);
        Map<String, String> env = Map.of(
                "TOLLGATE_BUDGET_HTTP_PORT", "9100",
                "KAFKA_BOOTSTRAP_SERVERS", "env:9092",
                "TOLLGATE_SCHEMA_REGISTRY_URL", "http://registry:8081",
                "TOLLGATE_STATE_DIR", "/var/lib/tollgate",
                "TOLLGATE_WEBHOOK_URL", "https://hooks.example.com/T1",
                "TOLLGATE_WEBHOOK_MAX_ATTEMPTS", "7",
                "TOLLGATE_GATEWAY_PORT", "8080");

        // When the configuration is loaded
        BudgetAlertsConfig config = ConfigLoader.load(file, env);

        // Then the environment wins, the file fills in the rest, and defaults cover what neither sets
        assertThat(config.httpPort()).isEqualTo(9100);
        assertThat(config.bootstrapServers()).isEqualTo("env:9092");
        assertThat(config.kafka()).containsEntry("commit.interval.ms", "250");
        assertThat(config.schemaRegistryUrl()).isEqualTo("http://registry:8081");
        assertThat(config.stateDir()).isEqualTo(Path.of("/var/lib/tollgate"));
        assertThat(config.defaultZone()).isEqualTo(ZoneId.of("Europe/Berlin"));
        assertThat(config.forecastHorizon()).isEqualTo(Duration.ofMinutes(90));
        assertThat(config.webhook().maxAttempts()).isEqualTo(7);
        assertThat(config.webhook().url().getHost()).isEqualTo("hooks.example.com");
        assertThat(config.checkInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(config.applicationId()).isEqualTo("tollgate-budget-alerts");
    }

    @Test
    void shouldPassKafkaSecuritySettingsToStreamsAndTheWebhookConsumerWhenTheyAreInTheEnvironment() {
        // Given a secured broker's settings
        String jaas = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"budget\" password=\"pw\";";
        Map<String, String> env = Map.of("KAFKA_BOOTSTRAP_SERVERS", "broker:9093", "KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
                "KAFKA_SASL_MECHANISM", "PLAIN", "KAFKA_SASL_JAAS_CONFIG", jaas,
                "KAFKA_SSL_TRUSTSTORE_LOCATION", "/etc/tollgate/truststore.jks", "KAFKA_HEAP_OPTS", "-Xmx1g");

        // When
        BudgetAlertsConfig config = ConfigLoader.load(null, env);

        // Then the client properties every client is built from hold them (the webhook consumer takes exactly these)
        assertThat(config.kafka()).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "PLAIN")
                .containsEntry("sasl.jaas.config", jaas).containsEntry("ssl.truststore.location", "/etc/tollgate/truststore.jks")
                .doesNotContainKey("heap.opts");
        assertThat(io.tollgate.policy.kafka.KafkaEnvironment.security(config.kafka())).containsOnlyKeys(
                "security.protocol", "sasl.mechanism", "sasl.jaas.config", "ssl.truststore.location");
        assertThat(config.toString()).doesNotContain("pw");
    }

    @Test
    void shouldBindToLoopbackAndReadTheOperatorTokenWhenConfigured() {
        BudgetAlertsConfig defaults = ConfigLoader.load(null, Map.of("KAFKA_BOOTSTRAP_SERVERS", "k:9092"));
        BudgetAlertsConfig configured = ConfigLoader.load(null, Map.of("KAFKA_BOOTSTRAP_SERVERS", "k:9092",
                "TOLLGATE_OPERATOR_TOKEN", "budget-operator-token-0123"));

        assertThat(defaults.httpHost()).isEqualTo("127.0.0.1");
        assertThat(defaults.operatorToken()).isEmpty();
        assertThat(configured.operatorToken()).get().satisfies(t -> assertThat(t.matches("budget-operator-token-0123")).isTrue());
        assertThat(configured.toString()).doesNotContain("budget-operator-token-0123");
    }

    @Test
    void shouldNameTheKeyAndTheExpectedFormWhenAValueIsBad() {
        Map<String, String> env = Map.of("KAFKA_BOOTSTRAP_SERVERS", "k:9092", "TOLLGATE_BUDGET_CHECK_INTERVAL", "soon");

        assertThatThrownBy(() -> ConfigLoader.load(null, env))
                .hasMessageContaining("tollgate.budget.check-interval").hasMessageContaining("'soon'")
                .hasMessageContaining("TOLLGATE_BUDGET_CHECK_INTERVAL");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of()))
                .hasMessageContaining("KAFKA_BOOTSTRAP_SERVERS");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("KAFKA_BOOTSTRAP_SERVERS", "k:9092", "TOLLGATE_ZONE", "Mars/Base")))
                .hasMessageContaining("'Mars/Base'");
        assertThatThrownBy(() -> ConfigLoader.load(null, Map.of("KAFKA_BOOTSTRAP_SERVERS", "k:9092",
                "TOLLGATE_BUDGET_ADVERTISED_URL", "budget-1")))
                .hasMessageContaining("tollgate.budget.advertised-url").hasMessageContaining("'budget-1'");
        assertThat(ConfigLoader.load(null, Map.of("KAFKA_BOOTSTRAP_SERVERS", "k:9092",
                "TOLLGATE_BUDGET_ADVERTISED_URL", "http://budget-1:8083")).advertisedUrl().getHost()).isEqualTo("budget-1");
    }

    @Test
    void shouldRefuseUnknownKeysInTheFileWhenMisspelt() throws IOException {
        Path file = dir.resolve("typo.properties");
        Files.writeString(file, "kafka.bootstrap.servers=k:9092\ntollgate.budget.htp-port=1\n");

        assertThatThrownBy(() -> ConfigLoader.load(file, Map.of())).hasMessageContaining("tollgate.budget.htp-port");
    }

    @Test
    void shouldDeriveEnvironmentNamesThatStayStable() {
        assertThat(ConfigKeys.envName(ConfigKeys.SCHEMA_REGISTRY_URL)).isEqualTo("TOLLGATE_SCHEMA_REGISTRY_URL");
        assertThat(ConfigKeys.envName(ConfigKeys.HTTP_PORT)).isEqualTo("TOLLGATE_BUDGET_HTTP_PORT");
        assertThat(ConfigKeys.envName(ConfigKeys.STATE_DIR)).isEqualTo("TOLLGATE_STATE_DIR");
        assertThat(ConfigKeys.envName(ConfigKeys.ZONE)).isEqualTo("TOLLGATE_ZONE");
        assertThat(ConfigKeys.envName(ConfigKeys.WEBHOOK_URL)).isEqualTo("TOLLGATE_WEBHOOK_URL");
        assertThat(ConfigKeys.envName(ConfigKeys.OPERATOR_TOKEN)).isEqualTo("TOLLGATE_OPERATOR_TOKEN");
    }
}
