package io.tollgate.gateway.it;

import static io.tollgate.gateway.it.GatewayFixture.PLANNER;
import static io.tollgate.gateway.it.GatewayFixture.chat;
import static io.tollgate.gateway.it.GatewayFixture.get;
import static io.tollgate.gateway.it.GatewayFixture.post;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.gateway.GatewayApplication;
import io.tollgate.localstack.EmbeddedKafka;
import io.tollgate.localstack.provider.SimulatedProvider;
import io.tollgate.metering.MeteringApplication;
import io.tollgate.metering.config.MeteringConfigLoader;
import io.tollgate.schemas.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway (event producer, quota, command and limit views, policy listener) and metering-stream
 * (Streams, admin client, dashboard consumer) against a broker listener that requires SASL/PLAIN, with
 * the credentials given only as {@code KAFKA_*} environment variables, as in docker-compose.secure.yml.
 * Its own broker: the shared one has no SASL listener.
 */
class SaslBrokerIT {

    private static final String OPERATOR_TOKEN = "sasl-it-operator-token-0123456789";
    private static final String GATEWAY_PASSWORD = "gateway-password-0123";
    private static final String METERING_PASSWORD = "metering-password-0123";
    private static final String REGISTRY = "mock://sasl-broker-it";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    private static EmbeddedKafka broker;
    private static SimulatedProvider provider;
    private static MeteringApplication metering;
    private static GatewayApplication gateway;
    private final HttpClient http = HttpClient.newHttpClient();

    private static Map<String, String> saslClient(String user, String password) {
        return Map.of("KAFKA_BOOTSTRAP_SERVERS", broker.saslBootstrapServers(),
                "KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT",
                "KAFKA_SASL_MECHANISM", "PLAIN",
                "KAFKA_SASL_JAAS_CONFIG", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
                        + user + "\" password=\"" + password + "\";");
    }

    @BeforeAll
    static void start() {
        broker = EmbeddedKafka.builder().saslPlainListener(Map.of("gateway", GATEWAY_PASSWORD, "metering",
                METERING_PASSWORD)).start();
        broker.createTopics(Topics.specs(), 1);
        provider = SimulatedProvider.start();
        Map<String, String> meteringEnv = new HashMap<>(saslClient("metering", METERING_PASSWORD));
        meteringEnv.putAll(Map.of("TOLLGATE_SCHEMA_REGISTRY_URL", REGISTRY, "TOLLGATE_METERING_HTTP_PORT", "0",
                "TOLLGATE_STATE_DIR", dir.resolve("metering").toString(), "TOLLGATE_OPERATOR_TOKEN", OPERATOR_TOKEN,
                "TOLLGATE_APPLICATION_ID", "metering-sasl-it"));
        metering = new MeteringApplication(MeteringConfigLoader.load(null, meteringEnv)).start();
        Map<String, String> gatewayEnv = new HashMap<>(saslClient("gateway", GATEWAY_PASSWORD));
        gatewayEnv.remove("KAFKA_BOOTSTRAP_SERVERS"); // the fixture sets it
        var config = GatewayFixture.config(provider, broker.saslBootstrapServers(), REGISTRY, dir.resolve("gateway"),
                gatewayEnv);
        // the policy goes onto this broker's policy topic over SASL too, as `tollgate policy apply` would put it
        Map<String, Object> producer = new HashMap<>(config.kafka());
        producer.put("schema.registry.url", REGISTRY);
        producer.put("acks", "all");
        PolicyTopic.publish(producer, Topics.forRegistry(REGISTRY), config.policy(), "tollgate.yaml");
        gateway = new GatewayApplication(config).start();
    }

    @AfterAll
    static void stop() {
        gateway.close();
        metering.close();
        provider.close();
        broker.close();
    }

    @Test
    void shouldMeterCallsEndToEndWhenEveryClientAuthenticatesWithSasl() throws Exception {
        // Given metering running on the authenticated listener
        await().atMost(Duration.ofSeconds(60)).until(() -> metering.state() == KafkaStreams.State.RUNNING);

        // When an agent makes three calls through the gateway
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = post(http, gateway.port(), "/v1/chat/completions", PLANNER, chat("sim-small", "hi", 3, false));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }

        // Then metering counted the gateway's events (gateway producer -> Streams, both over SASL)
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            HttpResponse<String> daily = http.send(HttpRequest.newBuilder(metering.advertisedUrl()
                    .resolve("/v1/keys/k-planner/daily?model=sim-small")).header("Authorization", "Bearer " + OPERATOR_TOKEN)
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(daily.statusCode()).as(daily.body()).isEqualTo(200);
            assertThat(JSON.readTree(daily.body()).get("requests").asLong()).isEqualTo(3);
        });
        // and the gateway's quota view read metering's status back (Streams producer -> gateway consumer, over SASL)
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            JsonNode usage = JSON.readTree(get(http, gateway.port(), "/v1/usage", PLANNER).body());
            JsonNode all = usage.get("data").get(0);
            assertThat(all.get("model").asText()).isEqualTo("*");
            assertThat(all.at("/today/requests").asLong()).isEqualTo(3);
        });
    }

    @Test
    void shouldRefuseAClientWithAWrongPasswordOnTheSaslListener() {
        Map<String, Object> props = new HashMap<>();
        saslClient("gateway", "not-the-password").forEach((k, v) -> props.put(
                k.substring("KAFKA_".length()).toLowerCase(java.util.Locale.ROOT).replace('_', '.'), v));
        props.put("default.api.timeout.ms", "10000");
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new StringDeserializer())) {
            assertThatThrownBy(() -> consumer.partitionsFor(Topics.USAGE, Duration.ofSeconds(10)))
                    .isInstanceOf(SaslAuthenticationException.class);
        }
    }
}
