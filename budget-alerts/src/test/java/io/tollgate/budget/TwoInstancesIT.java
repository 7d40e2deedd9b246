package io.tollgate.budget;

import static io.tollgate.budget.BudgetAlertsIT.budget;
import static io.tollgate.budget.BudgetAlertsIT.record;
import static io.tollgate.budget.BudgetAlertsIT.todayClearOfMidnight;
import static io.tollgate.budget.BudgetAlertsIT.total;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.budget.config.BudgetAlertsConfig;
import io.tollgate.localstack.EmbeddedKafka;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.BudgetAction;
import io.tollgate.schemas.avro.Policy;
import io.tollgate.schemas.avro.ScopeType;
import io.tollgate.schemas.avro.SpendTotal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.IntStream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two instances of budget-alerts sharing the work: each holds the budget state, alert history and
 * commands of its own partitions, and either answers the REST lists for all of them. Runs on its
 * own broker with 4 partitions per topic (the shared broker's topics have one, which other ITs rely on).
 */
class TwoInstancesIT {

    private static final long DOLLAR = 1_000_000L;
    private static final List<String> TEAMS = IntStream.range(0, 8).mapToObj(i -> "two-t" + i).toList();

    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void shouldAnswerForEveryPartitionFromEitherInstanceWhenTheStateIsSplitBetweenThem(@TempDir Path dir) throws Exception {
        // Given a broker with 4 partitions per topic, 8 team budgets of $1 (two downgrade at 100 %), and two instances
        String today = todayClearOfMidnight();
        String registry = "mock://budget-two-instances-" + UUID.randomUUID();
        Topics topics = Topics.forRegistry(registry);
        String appId = "budget-two-" + UUID.randomUUID();
        try (EmbeddedKafka broker = EmbeddedKafka.builder().dataDir(dir.resolve("kafka")).start()) {
            broker.createTopics(Topics.specs(), 4);
            Map<String, Object> producer = Map.of("bootstrap.servers", broker.bootstrapServers());
            try (KafkaProducer<String, Policy> policies = new KafkaProducer<>(producer, Serdes.String().serializer(),
                    topics.policies().valueSerde().serializer())) {
                for (int i = 0; i < TEAMS.size(); i++) {
                    policies.send(i < 2 ? budget(ScopeType.TEAM, TEAMS.get(i), DOLLAR, BudgetAction.DOWNGRADE, "sim-small")
                            : budget(ScopeType.TEAM, TEAMS.get(i), DOLLAR, BudgetAction.ALERT, null)).get();
                }
            }
            try (BudgetAlertsApplication one = new BudgetAlertsApplication(config(broker, registry, appId, dir.resolve("one"))).start();
                 BudgetAlertsApplication two = new BudgetAlertsApplication(config(broker, registry, appId, dir.resolve("two"))).start();
                 KafkaProducer<String, SpendTotal> spend = new KafkaProducer<>(producer, Serdes.String().serializer(),
                         topics.spend().valueSerde().serializer())) {
                await().atMost(Duration.ofSeconds(90)).until(() -> one.state() == KafkaStreams.State.RUNNING
                        && two.state() == KafkaStreams.State.RUNNING);

                // When each team spends 60 % of its budget, and the first two 120 %
                for (int i = 0; i < TEAMS.size(); i++) {
                    spend.send(record(total(TEAMS.get(i), today, i < 2 ? 1_200_000 : 600_000))).get();
                }

                // Then either instance lists all 8 budgets with their spend, all 12 alerts and both commands
                for (BudgetAlertsApplication app : List.of(one, two)) {
                    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
                        JsonNode budgets = get(app, "/budgets?scope=team:two-");
                        assertThat(budgets).hasSize(TEAMS.size());
                        Map<String, Long> spent = new HashMap<>();
                        budgets.forEach(b -> spent.put(b.get("scope").asText(), b.get("spendMicros").asLong()));
                        for (int i = 0; i < TEAMS.size(); i++) {
                            assertThat(spent).containsEntry("team:" + TEAMS.get(i), i < 2 ? 1_200_000L : 600_000L);
                        }
                        assertThat(get(app, "/alerts?scope=team:two-")).hasSize(2 * 3 + 6);
                        assertThat(get(app, "/commands").findValuesAsText("scope"))
                                .containsExactlyInAnyOrder("team:two-t0", "team:two-t1");
                    });
                }

                // ... and each holds only part of it: the lists are merged, not one instance's
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    int alertsOne = get(one, "/alerts?scope=team:two-&local=true").size();
                    int alertsTwo = get(two, "/alerts?scope=team:two-&local=true").size();
                    assertThat(alertsOne + alertsTwo).isEqualTo(12);
                    assertThat(alertsOne).isPositive();
                    assertThat(alertsTwo).isPositive();
                });
            }
        }
    }

    private JsonNode get(BudgetAlertsApplication app, String path) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + app.httpPort() + path))
                .header("Authorization", BudgetAlertsIT.OPERATOR_TOKEN.authorization()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as("%s: %s", path, response.body()).isEqualTo(200);
        return json.readTree(response.body());
    }

    private static BudgetAlertsConfig config(EmbeddedKafka broker, String registry, String appId, Path stateDir) {
        return new BudgetAlertsConfig(
                Map.of("bootstrap.servers", broker.bootstrapServers(), "commit.interval.ms", "100",
                        "statestore.cache.max.bytes", "0", "num.stream.threads", "1"),
                registry, appId, "127.0.0.1", 0, stateDir, ZoneId.of("UTC"), 80,
                Duration.ofSeconds(1), Duration.ofHours(1), Duration.ofMinutes(5), Duration.ofHours(2), 3,
                Duration.ofDays(30), null).withOperatorToken(BudgetAlertsIT.OPERATOR_TOKEN); // shared: the instances ask each other
    }
}
