package io.tollgate.localstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.UsageEvent;
import io.tollgate.schemas.registry.HttpSchemaRegistryClient;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The launcher as a library: everything up, usable over the network, stopped without leftovers, data reused. */
class LocalStackIT {

    @Test
    void shouldServeKafkaRegistryAndProviderAndKeepRecordsReadableWhenRestartedOnTheSameData(@TempDir Path dir) throws Exception {
        Set<Thread> before = nonDaemonThreads();
        String registryUrlOfFirstRun;
        int schemaId;
        UsageEvent sent = io.tollgate.localstack.UsageEvents.response("call-1", "k-1", "sim-small", 19, 16);
        LocalStackOptions options = LocalStackOptions.ephemeral(dir);
        List<String> closedServices = new ArrayList<>();

        // Given a stack, with one extra service, that writes a record through its HTTP registry
        try (LocalStack stack = LocalStack.start(options)) {
            stack.addService("probe", "-", () -> closedServices.add("probe"));
            assertThat(stack.banner(Duration.ofSeconds(1))).contains(stack.bootstrapServers(), stack.registryUrl(), stack.providerUrl(), "probe");
            try (Admin admin = Admin.create(stack.kafka().adminProperties())) {
                assertThat(admin.listTopics().names().get()).containsAll(Topics.specs().stream().map(Topics.TopicSpec::name).toList());
            }
            Topics.Topic<String, UsageEvent> usage = Topics.forRegistry(stack.registryUrl()).usage();
            try (KafkaProducer<String, UsageEvent> producer = new KafkaProducer<>(Map.of("bootstrap.servers", stack.bootstrapServers()),
                    usage.keySerde().serializer(), usage.valueSerde().serializer())) {
                producer.send(new ProducerRecord<>(usage.name(), "k-1", sent)).get();
            }
            schemaId = new HttpSchemaRegistryClient(stack.registryUrl(), null, Duration.ofSeconds(5))
                    .lookup(Topics.USAGE + "-value", UsageEvent.getClassSchema());
            HttpResponse<String> models = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(stack.providerUrl() + "/models")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(models.statusCode()).isEqualTo(200);
            registryUrlOfFirstRun = stack.registryUrl();
            // the snapshot follows registrations while running, not only at close
            Path snapshot = dir.resolve("registry").resolve("schemas.json");
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    assertThat(snapshot).isRegularFile().content().contains(Topics.USAGE + "-value"));
        }

        // Then nothing is left running
        assertThat(closedServices).containsExactly("probe");
        await().pollInSameThread().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(newThreads(before)).isEmpty());

        // When it starts again on the same data (not fresh), in a new registry scope
        LocalStackOptions again = options.withFresh(false).withRegistryScope(options.registryScope() + "-again");
        try (LocalStack stack = LocalStack.start(again)) {
            // Then the schema kept its id and the old record reads back
            assertThat(new HttpSchemaRegistryClient(stack.registryUrl(), null, Duration.ofSeconds(5))
                    .lookup(Topics.USAGE + "-value", UsageEvent.getClassSchema())).isEqualTo(schemaId);
            assertThat(stack.warnings()).isEmpty();
            Topics.Topic<String, UsageEvent> usage = Topics.forRegistry(stack.inProcessRegistryUrl()).usage();
            try (KafkaConsumer<String, UsageEvent> consumer = new KafkaConsumer<>(Map.of("bootstrap.servers", stack.bootstrapServers(),
                    "group.id", "restart-check", "auto.offset.reset", "earliest"), usage.keySerde().deserializer(), usage.valueSerde().deserializer())) {
                consumer.subscribe(List.of(usage.name()));
                List<UsageEvent> received = new ArrayList<>();
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    for (ConsumerRecord<String, UsageEvent> record : consumer.poll(Duration.ofMillis(200))) {
                        received.add(record.value());
                    }
                    assertThat(received).containsExactly(sent);
                });
            }
            assertThat(registryUrlOfFirstRun).isNotBlank();
        }
    }

    @Test
    void shouldFallBackToAFreePortWithAWarningWhenAPortIsTaken(@TempDir Path dir) throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            LocalStackOptions options = LocalStackOptions.ephemeral(dir).withProviderPort(taken.getLocalPort());

            try (LocalStack stack = LocalStack.start(options)) {
                assertThat(stack.provider().port()).isNotEqualTo(taken.getLocalPort());
                assertThat(stack.warnings()).singleElement().asString()
                        .contains("port " + taken.getLocalPort() + " for the simulated provider is taken");
            }
        }
    }

    private static Set<Thread> nonDaemonThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> !t.isDaemon() && t.isAlive()).collect(Collectors.toSet());
    }

    private static List<String> newThreads(Set<Thread> before) {
        return nonDaemonThreads().stream().filter(t -> !before.contains(t)).map(Thread::getName).toList();
    }
}
