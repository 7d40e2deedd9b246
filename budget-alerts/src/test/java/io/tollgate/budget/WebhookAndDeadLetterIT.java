package io.tollgate.budget;

import static io.tollgate.budget.BudgetAlertsIT.budget;
import static io.tollgate.budget.BudgetAlertsIT.record;
import static io.tollgate.budget.BudgetAlertsIT.spendProducer;
import static io.tollgate.budget.BudgetAlertsIT.todayClearOfMidnight;
import static io.tollgate.budget.BudgetAlertsIT.total;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.tollgate.budget.config.BudgetAlertsConfig;
import io.tollgate.localstack.junit.KafkaExtension;
import io.tollgate.localstack.junit.SharedKafka;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.BudgetAction;
import io.tollgate.schemas.avro.Policy;
import io.tollgate.schemas.avro.ScopeType;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The webhook sink and the dead-letter path against the embedded broker. */
@ExtendWith(KafkaExtension.class)
class WebhookAndDeadLetterIT {

    @TempDir
    Path stateDir;

    @Test
    void shouldDeliverInOrderToAWebhookThatFailsFirstWhenRetried(SharedKafka kafka) throws Exception {
        // Given a webhook on 127.0.0.1 that fails its first two calls, and a budget for team:hooked
        kafka.createTopics(1);
        AtomicInteger calls = new AtomicInteger();
        List<String> delivered = new CopyOnWriteArrayList<>();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/hook", exchange -> {
            String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            int status = calls.incrementAndGet() <= 2 ? 500 : 200;
            if (status == 200) {
                delivered.add(body);
            }
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        server.start();
        String appId = "budget-webhook-it-" + UUID.randomUUID();
        String today = todayClearOfMidnight();
        try (KafkaProducer<String, Policy> policies = new KafkaProducer<>(kafka.producerProperties(),
                Serdes.String().serializer(), kafka.topics().policies().valueSerde().serializer())) {
            policies.send(budget(ScopeType.TEAM, "hooked", 1_000_000, BudgetAction.ALERT, null)).get();
        }
        BudgetAlertsConfig base = BudgetAlertsIT.config(kafka, appId, stateDir);
        BudgetAlertsConfig config = new BudgetAlertsConfig(base.kafka(), base.schemaRegistryUrl(), appId, "127.0.0.1", 0,
                stateDir, ZoneId.of("UTC"), 80, Duration.ofSeconds(1), Duration.ofHours(1), Duration.ofMinutes(5),
                Duration.ofHours(2), 3, Duration.ofDays(30), new BudgetAlertsConfig.Webhook(
                URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook"), 5, Duration.ofMillis(50),
                Duration.ofMillis(200), 10, Duration.ofSeconds(5)));

        try (BudgetAlertsApplication app = new BudgetAlertsApplication(config).start();
             KafkaProducer<String, io.tollgate.schemas.avro.SpendTotal> spend = spendProducer(kafka, kafka.topics());
             Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> app.state() == KafkaStreams.State.RUNNING);
            // the webhook group starts at the latest offset: wait until it holds a position
            await().atMost(Duration.ofSeconds(60)).until(() -> admin.listConsumerGroupOffsets(appId + "-webhook")
                    .partitionsToOffsetAndMetadata().get().containsKey(new TopicPartition(Topics.ALERTS, 0)));

            // When one update crosses 50, 80 and 100 %
            spend.send(record(total("hooked", today, 1_000_000))).get();

            // Then all three reach the webhook in order, after the failed attempts were retried
            // (other test classes' budgets share the topics, so only team:hooked is counted)
            await().atMost(Duration.ofSeconds(60)).until(() -> hooked(delivered).size() == 3);
            List<String> ours = hooked(delivered);
            assertThat(ours.getFirst()).contains("\"text\":", "team:hooked@" + today + "#BUDGET_THRESHOLD:50");
            assertThat(ours.get(1)).contains("BUDGET_THRESHOLD:80");
            assertThat(ours.getLast()).contains("BUDGET_THRESHOLD:100");
            assertThat(calls.get()).isEqualTo(delivered.size() + 2);
        } finally {
            server.stop(0);
        }
    }

    private static List<String> hooked(List<String> bodies) {
        return bodies.stream().filter(b -> b.contains("\"alertId\":\"team:hooked@")).toList();
    }

    @Test
    void shouldDeadLetterBytesThatAreNotAvroAndKeepProcessing(SharedKafka kafka) throws Exception {
        // Given a running application and a budget for team:after-poison
        kafka.createTopics(1);
        String appId = "budget-dlq-it-" + UUID.randomUUID();
        String today = todayClearOfMidnight();
        try (KafkaProducer<String, Policy> policies = new KafkaProducer<>(kafka.producerProperties(),
                Serdes.String().serializer(), kafka.topics().policies().valueSerde().serializer())) {
            policies.send(budget(ScopeType.TEAM, "after-poison", 1_000_000, BudgetAction.ALERT, null)).get();
        }
        String poisonKey = "team:poison-" + UUID.randomUUID() + "@" + today;
        try (BudgetAlertsApplication app = new BudgetAlertsApplication(BudgetAlertsIT.config(kafka, appId, stateDir)).start();
             KafkaProducer<String, byte[]> raw = new KafkaProducer<>(kafka.producerProperties(), Serdes.String().serializer(),
                     Serdes.ByteArray().serializer());
             KafkaProducer<String, io.tollgate.schemas.avro.SpendTotal> spend = spendProducer(kafka, kafka.topics());
             KafkaConsumer<byte[], byte[]> dead = new KafkaConsumer<>(kafka.consumerProperties("dlq-" + UUID.randomUUID()),
                     Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer());
             KafkaConsumer<String, io.tollgate.schemas.avro.BudgetAlert> alerts = BudgetAlertsIT.consumer(kafka,
                     kafka.topics().alerts().valueSerde().deserializer(), Topics.ALERTS)) {
            dead.subscribe(List.of(Topics.DEAD_LETTER));
            await().atMost(Duration.ofSeconds(60)).until(() -> app.state() == KafkaStreams.State.RUNNING);

            // When bytes that are not Avro arrive, followed by a valid total
            raw.send(new ProducerRecord<>(Topics.SPEND, poisonKey, "not avro".getBytes(StandardCharsets.UTF_8))).get();
            spend.send(record(total("after-poison", today, 600_000))).get();

            // Then the poison is dead-lettered as it was, with the reason, and the valid total still alerts
            List<org.apache.kafka.clients.consumer.ConsumerRecord<byte[], byte[]>> found = new ArrayList<>();
            List<String> alertIds = new ArrayList<>();
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                dead.poll(Duration.ofMillis(100)).forEach(r -> {
                    if (r.key() != null && new String(r.key(), StandardCharsets.UTF_8).equals(poisonKey)) {
                        found.add(r);
                    }
                });
                alerts.poll(Duration.ofMillis(100)).forEach(r -> alertIds.add(r.value().getAlertId()));
                return !found.isEmpty() && alertIds.contains("team:after-poison@" + today + "#BUDGET_THRESHOLD:50");
            });
            assertThat(new String(found.getFirst().value(), StandardCharsets.UTF_8)).isEqualTo("not avro");
            assertThat(new String(found.getFirst().headers().lastHeader(Topics.DLQ_REASON_HEADER).value(), StandardCharsets.UTF_8))
                    .isEqualTo("DESERIALIZATION");
            assertThat(found).hasSize(1);
        }
    }

    @Test
    void shouldKeepRunningAndApplyNeitherAnUnreadablePolicyNorOneUnderAnotherKey(SharedKafka kafka) throws Exception {
        // Given a $1 budget of team:victim, then garbage under a budget key and team:intruder's $0.000001 BLOCK
        // budget under team:victim's key
        kafka.createTopics(1);
        String run = UUID.randomUUID().toString().substring(0, 8);
        String appId = "budget-poison-policy-it-" + run;
        String today = todayClearOfMidnight();
        String victim = "victim-" + run;
        String garbageKey = "budget:team:poison-" + run + "@DAY";
        String victimKey = "budget:team:" + victim + "@DAY";
        long since = System.currentTimeMillis();
        try (KafkaProducer<String, Policy> policies = new KafkaProducer<>(kafka.producerProperties(),
                Serdes.String().serializer(), kafka.topics().policies().valueSerde().serializer());
             KafkaProducer<String, byte[]> raw = new KafkaProducer<>(kafka.producerProperties(), Serdes.String().serializer(),
                     Serdes.ByteArray().serializer())) {
            policies.send(budget(ScopeType.TEAM, victim, 1_000_000, BudgetAction.ALERT, null)).get();
            raw.send(new ProducerRecord<>(Topics.POLICIES, garbageKey, "garbage".getBytes(StandardCharsets.UTF_8))).get();
            ProducerRecord<String, Policy> intruder = budget(ScopeType.TEAM, "intruder-" + run, 1, BudgetAction.BLOCK, null);
            policies.send(new ProducerRecord<>(Topics.POLICIES, victimKey, intruder.value())).get();
        }
        try (KafkaProducer<String, io.tollgate.schemas.avro.SpendTotal> spend = spendProducer(kafka, kafka.topics());
             KafkaConsumer<String, io.tollgate.schemas.avro.BudgetAlert> alerts = BudgetAlertsIT.consumer(kafka,
                     kafka.topics().alerts().valueSerde().deserializer(), Topics.ALERTS);
             KafkaConsumer<String, io.tollgate.schemas.avro.RoutingCommand> commands = BudgetAlertsIT.consumer(kafka,
                     kafka.topics().commands().valueSerde().deserializer(), Topics.COMMANDS)) {
            for (int start = 1; start <= 2; start++) {
                // When budget-alerts starts (and starts again on the same topics and offsets)
                try (BudgetAlertsApplication app = new BudgetAlertsApplication(
                        BudgetAlertsIT.config(kafka, appId, stateDir.resolve("run-" + start))).start()) {
                    await().atMost(Duration.ofSeconds(60)).until(() -> app.state() == KafkaStreams.State.RUNNING);

                    // Then it stays RUNNING and healthy, and judges team:victim by its own $1 budget
                    spend.send(record(total(victim, today, 600_000L * start))).get();
                    List<String> alertIds = new ArrayList<>();
                    await().atMost(Duration.ofSeconds(60)).until(() -> {
                        alerts.poll(Duration.ofMillis(100)).forEach(r -> alertIds.add(r.value().getAlertId()));
                        return alertIds.stream().anyMatch(id -> id.startsWith("team:" + victim + "@"));
                    });
                    assertThat(commands.poll(Duration.ofMillis(500))).noneMatch(r -> r.key().equals("team:" + victim));
                    assertThat(app.state()).isEqualTo(KafkaStreams.State.RUNNING);
                    assertThat(status(app, "/healthz")).isEqualTo(200);
                    assertThat(status(app, "/readyz")).isEqualTo(200);
                }
            }
        }
        // and both refused records are dead-lettered with their reasons (once per start: the store is rebuilt)
        Map<String, String> reasons = new java.util.TreeMap<>();
        try (KafkaConsumer<byte[], byte[]> dead = new KafkaConsumer<>(kafka.consumerProperties("dlq-" + UUID.randomUUID()),
                Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer())) {
            dead.subscribe(List.of(Topics.DEAD_LETTER));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                dead.poll(Duration.ofMillis(200)).forEach(r -> {
                    String key = r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
                    String app = io.tollgate.policy.deadletter.DeadLetter.header(r.headers(), Topics.DLQ_APPLICATION_HEADER);
                    if (r.timestamp() >= since && appId.equals(app) && (key.equals(garbageKey) || key.equals(victimKey))) {
                        reasons.put(key, io.tollgate.policy.deadletter.DeadLetter.header(r.headers(), Topics.DLQ_REASON_HEADER));
                    }
                });
                return reasons.size() == 2;
            });
        }
        assertThat(reasons).containsEntry(garbageKey, "UNREADABLE").containsEntry(victimKey, "KEY_MISMATCH");
    }

    private static int status(BudgetAlertsApplication app, String path) throws Exception {
        return java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + app.httpPort() + path))
                .header("Authorization", BudgetAlertsIT.OPERATOR_TOKEN.authorization()).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).statusCode();
    }
}
