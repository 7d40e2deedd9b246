package io.tollgate.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tollgate.localstack.junit.KafkaExtension;
import io.tollgate.localstack.junit.SharedKafka;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.UsageEvent;
import io.tollgate.schemas.registry.HttpSchemaRegistryClient;
import io.tollgate.schemas.registry.SchemaRegistryException;
import io.tollgate.schemas.serde.AvroSerde;
import io.tollgate.schemas.serde.AvroSerdeConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.avro.Schema;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Interop with a real, independent Confluent-API registry: Apicurio Registry 2.4.2.Final, built by
 * {@code mvn -Papicurio verify} from {@code local-stack/apicurio/pom.xml} and started here as a process.
 */
@ExtendWith(KafkaExtension.class)
class ApicurioRegistryIT {

    static final String RUNNER_JAR_PROPERTY = "apicurio.runner.jar";

    private static Process registry;
    private static String baseUrl;
    private static Path log;

    @BeforeAll
    static void startRegistry() throws IOException {
        String jar = System.getProperty(RUNNER_JAR_PROPERTY);
        assumeTrue(jar != null && !jar.isBlank(),
                "Apicurio interop IT skipped: run `mvn -Papicurio verify` (as ./tollgate test does) to build and start the registry");
        assertThat(Path.of(jar)).as("Apicurio runner jar built by the apicurio profile").isRegularFile();
        int port = Ports.free();
        log = Path.of("target", "apicurio-registry-it.log").toAbsolutePath();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        registry = new ProcessBuilder(java, "-Xmx128m", "-XX:+UseSerialGC", "-Dquarkus.http.host=127.0.0.1",
                "-Dquarkus.http.port=" + port, "-jar", jar)
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        baseUrl = "http://127.0.0.1:" + port + "/apis/ccompat/v7";
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        HttpRequest subjects = HttpRequest.newBuilder(URI.create(baseUrl + "/subjects")).timeout(Duration.ofSeconds(5)).build();
        await("Apicurio registry answering on " + baseUrl + " (log: " + log + ")")
                .atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(500))
                .ignoreExceptions()
                .until(() -> {
                    assertThat(registry.isAlive()).as("registry process alive, see " + log).isTrue();
                    return http.send(subjects, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
                });
    }

    @AfterAll
    static void stopRegistry() throws InterruptedException {
        if (registry != null) {
            registry.destroy();
            if (!registry.waitFor(15, TimeUnit.SECONDS)) {
                registry.destroyForcibly().waitFor();
            }
        }
    }

    @Test
    void shouldRegisterFetchLookUpAndEnforceBackwardCompatibility() {
        // Given BACKWARD set first (Apicurio's default is NONE)
        HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(baseUrl, null, Duration.ofSeconds(10));
        String subject = "tollgate.it.evolution-value";
        client.setCompatibility(null, "BACKWARD");
        client.setCompatibility(subject, "BACKWARD");

        // When UsageEvent is registered, twice
        int id = client.register(subject, UsageEvent.getClassSchema());

        // Then it keeps its id, is fetched by id and found by lookup
        assertThat(client.register(subject, UsageEvent.getClassSchema())).isEqualTo(id);
        assertThat(client.getById(id)).isEqualTo(UsageEvent.getClassSchema());
        assertThat(client.lookup(subject, UsageEvent.getClassSchema())).isEqualTo(id);

        // And a field without a default is refused (409), one with a default accepted
        Schema incompatible = withExtraField(UsageEvent.getClassSchema(), "{\"name\":\"region\",\"type\":\"string\"}");
        Schema compatible = withExtraField(UsageEvent.getClassSchema(), "{\"name\":\"region\",\"type\":\"string\",\"default\":\"eu\"}");
        assertThat(client.isCompatible(subject, incompatible)).isFalse();
        assertThatThrownBy(() -> client.register(subject, incompatible))
                .isInstanceOfSatisfying(SchemaRegistryException.class,
                        e -> assertThat(e.reason()).isEqualTo(SchemaRegistryException.Reason.INCOMPATIBLE));
        assertThat(client.isCompatible(subject, compatible)).isTrue();
        assertThat(client.register(subject, compatible)).isNotEqualTo(id);
    }

    @Test
    void shouldRoundTripUsageEventsThroughATopicWhenTheSerdeUsesApicurio(SharedKafka kafka) {
        // Given a topic and the serde pointed at Apicurio
        String topic = "tollgate.it.apicurio-usage";
        kafka.createTopics(List.of(new Topics.TopicSpec(topic, Topics.Cleanup.DELETE, Duration.ofDays(1))), 1);
        Map<String, Object> serdeConfig = Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL, baseUrl);
        AvroSerde<UsageEvent> serde = new AvroSerde<>(UsageEvent.class);
        serde.configure(serdeConfig, false);
        List<UsageEvent> sent = List.of(
                UsageEvents.response("call-1", "k-1", "sim-small", 19, 16),
                UsageEvents.response("call-2", "k-2", "sim-large", 120, 40),
                UsageEvents.response("call-3", "k-1", "sim-small", 7, 1));

        // When they are produced and consumed
        Map<String, Object> producerProps = new HashMap<>(kafka.producerProperties());
        producerProps.putAll(serdeConfig);
        try (KafkaProducer<String, UsageEvent> producer = new KafkaProducer<>(producerProps, new StringSerializer(), serde.serializer())) {
            for (UsageEvent event : sent) {
                producer.send(new ProducerRecord<>(topic, event.getApiKeyId(), event));
            }
            producer.flush();
        }
        List<UsageEvent> received = new ArrayList<>();
        Map<String, Object> consumerProps = new HashMap<>(kafka.consumerProperties("apicurio-it"));
        consumerProps.putAll(serdeConfig);
        try (KafkaConsumer<String, UsageEvent> consumer = new KafkaConsumer<>(consumerProps, new StringDeserializer(), serde.deserializer())) {
            consumer.subscribe(List.of(topic));
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                for (ConsumerRecord<String, UsageEvent> record : consumer.poll(Duration.ofMillis(200))) {
                    received.add(record.value());
                }
                assertThat(received).hasSameSizeAs(sent);
            });
        }

        // Then they are equal, and the schema sits in Apicurio under the topic's value subject
        assertThat(received).containsExactlyElementsOf(sent);
        HttpSchemaRegistryClient client = new HttpSchemaRegistryClient(baseUrl, null, Duration.ofSeconds(10));
        assertThat(client.getById(client.lookup(topic + "-value", UsageEvent.getClassSchema()))).isEqualTo(UsageEvent.getClassSchema());
    }

    private static Schema withExtraField(Schema schema, String field) {
        String json = schema.toString();
        String extended = json.substring(0, json.lastIndexOf(']')) + "," + field + json.substring(json.lastIndexOf(']'));
        return new Schema.Parser().parse(extended);
    }
}
