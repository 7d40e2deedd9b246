package io.tollgate.metering.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MeteringConfigLoaderTest {

    private static final Map<String, String> MINIMAL_ENV = Map.of(
            "TOLLGATE_SCHEMA_REGISTRY_URL", "http://registry:8081",
            "KAFKA_BOOTSTRAP_SERVERS", "kafka:9092");

    @Test
    void shouldMapEnvironmentVariablesWhenNoFileIsGiven() {
        Map<String, String> env = new java.util.HashMap<>(MINIMAL_ENV);
        env.putAll(Map.of("TOLLGATE_METERING_HTTP_PORT", "9100", "TOLLGATE_METERING_ADVERTISED_URL", "http://metering-1:9100",
                "TOLLGATE_STATE_DIR", "/var/lib/metering", "TOLLGATE_ZONE", "Europe/Berlin", "TOLLGATE_RESET_HOUR", "6",
                "KAFKA_SECURITY_PROTOCOL", "SSL", "KAFKA_HEAP_OPTS", "-Xmx1g", "TOLLGATE_GATEWAY_PORT", "8080"));

        MeteringConfig config = MeteringConfigLoader.load(null, env);

        assertThat(config.kafka()).containsEntry("bootstrap.servers", "kafka:9092")
                .containsEntry("security.protocol", "SSL").doesNotContainKey("heap.opts");
        assertThat(config.schemaRegistryUrl()).isEqualTo("http://registry:8081");
        assertThat(config.httpPort()).isEqualTo(9100);
        assertThat(config.advertisedUrl()).isEqualTo(URI.create("http://metering-1:9100"));
        assertThat(config.stateDir()).isEqualTo(Path.of("/var/lib/metering"));
        assertThat(config.zone()).isEqualTo(ZoneId.of("Europe/Berlin"));
        assertThat(config.resetHour()).isEqualTo(6);
        assertThat(config.grace()).isEqualTo(Duration.ofSeconds(10));
        Properties streams = config.streamsProperties();
        assertThat(streams).containsEntry("processing.guarantee", "exactly_once_v2")
                .containsEntry("group.protocol", "classic").containsEntry("commit.interval.ms", 100L)
                .containsEntry("application.server", "metering-1:9100").containsEntry("security.protocol", "SSL")
                .containsEntry("max.task.idle.ms", -1L);
    }

    @Test
    void shouldPassKafkaSecuritySettingsToStreamsAndEveryClientWhenTheyAreInTheEnvironment() {
        // Given a secured broker's settings
        String jaas = "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"metering\" password=\"pw\";";
        Map<String, String> env = new java.util.HashMap<>(MINIMAL_ENV);
        env.putAll(Map.of("KAFKA_SECURITY_PROTOCOL", "SASL_SSL", "KAFKA_SASL_MECHANISM", "PLAIN",
                "KAFKA_SASL_JAAS_CONFIG", jaas, "KAFKA_SSL_TRUSTSTORE_LOCATION", "/etc/tollgate/truststore.jks"));

        // When
        MeteringConfig config = MeteringConfigLoader.load(null, env);

        // Then Streams (and the dashboard consumer and admin client, built from the same map) get them
        assertThat(config.kafka()).containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "PLAIN")
                .containsEntry("sasl.jaas.config", jaas).containsEntry("ssl.truststore.location", "/etc/tollgate/truststore.jks");
        assertThat(config.streamsProperties()).containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.jaas.config", jaas).containsEntry("ssl.truststore.location", "/etc/tollgate/truststore.jks");
        // and printing the configuration shows neither the password nor a token
        assertThat(config.toString()).doesNotContain("pw").contains("sasl.jaas.config");
    }

    @Test
    void shouldBindToLoopbackAndTakeTheOperatorTokenFromTheEnvironmentWhenSet() {
        Map<String, String> env = new java.util.HashMap<>(MINIMAL_ENV);

        MeteringConfig defaults = MeteringConfigLoader.load(null, env);
        env.put("TOLLGATE_OPERATOR_TOKEN", "metering-operator-token-0123");
        MeteringConfig configured = MeteringConfigLoader.load(null, env);

        assertThat(defaults.httpHost()).isEqualTo("127.0.0.1");
        assertThat(defaults.operatorToken()).isEmpty();
        assertThat(configured.operatorToken()).get().satisfies(t -> assertThat(t.matches("metering-operator-token-0123")).isTrue());
        assertThat(configured.toString()).doesNotContain("metering-operator-token-0123");
        env.put("TOLLGATE_OPERATOR_TOKEN", "too-short");
        assertThatThrownBy(() -> MeteringConfigLoader.load(null, env)).hasMessageContaining("TOLLGATE_OPERATOR_TOKEN")
                .hasMessageNotContaining("too-short");
    }

    @Test
    void shouldLetEnvironmentOverrideYamlFileWhenBothSetAKey(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("metering.yaml");
        Files.writeString(file, """
                schema:
                  registry:
                    url: mock://local
                metering:
                  grace: 30s
                  standby.replicas: 1
                zone: Asia/Tokyo
                kafka:
                  bootstrap.servers: localhost:9092
                """);

        MeteringConfig config = MeteringConfigLoader.load(file, Map.of("TOLLGATE_ZONE", "UTC"));

        assertThat(config.schemaRegistryUrl()).isEqualTo("mock://local");
        assertThat(config.grace()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.standbyReplicas()).isEqualTo(1);
        assertThat(config.zone()).isEqualTo(ZoneId.of("UTC"));
        assertThat(config.kafka()).containsEntry("bootstrap.servers", "localhost:9092");
    }

    @Test
    void shouldNameUnknownKeyWhenFileHasOne(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("metering.properties");
        Files.writeString(file, "schema.registry.url=mock://x\nmetering.grase=5s\n");

        assertThatThrownBy(() -> MeteringConfigLoader.load(file, Map.of()))
                .hasMessageContaining("unknown key 'metering.grase'").hasMessageContaining("metering.grace");
    }

    @Test
    void shouldRefuseCommitIntervalWhenAbove100Ms() {
        Map<String, String> env = new java.util.HashMap<>(MINIMAL_ENV);
        env.put("TOLLGATE_METERING_COMMIT_INTERVAL_MS", "500");

        assertThatThrownBy(() -> MeteringConfigLoader.load(null, env))
                .hasMessageContaining("metering.commit.interval.ms").hasMessageContaining("500").hasMessageContaining("1..100");
    }

    @Test
    void shouldRefuseDedupeRetentionWhenNotLongerThanGrace() {
        Map<String, String> env = new java.util.HashMap<>(MINIMAL_ENV);
        env.put("TOLLGATE_METERING_GRACE", "25h");

        assertThatThrownBy(() -> MeteringConfigLoader.load(null, env)).hasMessageContaining("metering.dedupe.retention");
    }

    @Test
    void shouldRefuseCallsRetentionWhenShorterThanDedupeRetention() {
        Map<String, String> env = new java.util.HashMap<>(MINIMAL_ENV);
        env.put("TOLLGATE_METERING_CALLS_RETENTION", "12h");

        assertThatThrownBy(() -> MeteringConfigLoader.load(null, env)).hasMessageContaining("metering.calls.retention")
                .hasMessageContaining("PT12H").hasMessageContaining("metering.dedupe.retention");
    }

    @Test
    void shouldExplainWhenRequiredSettingsAreMissing() {
        assertThatThrownBy(() -> MeteringConfigLoader.load(null, Map.of("KAFKA_BOOTSTRAP_SERVERS", "k:9092")))
                .hasMessageContaining("schema.registry.url");
        assertThatThrownBy(() -> MeteringConfigLoader.load(null, Map.of("TOLLGATE_SCHEMA_REGISTRY_URL", "mock://x")))
                .hasMessageContaining("KAFKA_BOOTSTRAP_SERVERS");
        assertThatThrownBy(() -> MeteringConfigLoader.parseDuration("metering.grace", "ten seconds"))
                .hasMessageContaining("'ten seconds'").hasMessageContaining("10s");
    }
}
