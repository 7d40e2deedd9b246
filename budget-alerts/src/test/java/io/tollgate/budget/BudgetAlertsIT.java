package io.tollgate.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tollgate.budget.config.BudgetAlertsConfig;
import io.tollgate.policy.records.PolicyRecords;
import io.tollgate.localstack.junit.KafkaExtension;
import io.tollgate.localstack.junit.SharedKafka;
import io.tollgate.policy.scope.Keys;
import io.tollgate.policy.calendar.Periods;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.BudgetAction;
import io.tollgate.schemas.avro.BudgetAlert;
import io.tollgate.schemas.avro.BudgetPolicy;
import io.tollgate.schemas.avro.CommandAction;
import io.tollgate.schemas.avro.PeriodType;
import io.tollgate.schemas.avro.Policy;
import io.tollgate.schemas.avro.RoutingCommand;
import io.tollgate.schemas.avro.ScopeType;
import io.tollgate.schemas.avro.SpendTotal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import io.tollgate.policy.access.AccessToken;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * budget-alerts on the embedded broker: policies and spend totals in, alerts and commands out,
 * exactly once, also after a restart on an empty state directory (state restored from the
 * changelogs) with the spend replayed. Every topic has one partition so that a marker record
 * produced last proves that everything before it was processed.
 */
@ExtendWith(KafkaExtension.class)
class BudgetAlertsIT {

    /** The operator token of the budget-alerts instances in this module's ITs. */
    static final AccessToken OPERATOR_TOKEN = AccessToken.of("budget-it-operator-token-0123", "test");

    private static final long DOLLAR = 1_000_000L;

    @TempDir
    Path stateDirs;

    @Test
    void shouldEmitEachAlertAndCommandOnceAcrossARestartWhenSpendIsReplayed(SharedKafka kafka) throws Exception {
        // Given the topics, a $1 daily budget that downgrades team:acme, and a marker budget
        kafka.createTopics(1);
        Topics topics = kafka.topics();
        String today = todayClearOfMidnight();
        String appId = "budget-it-" + UUID.randomUUID();
        try (KafkaProducer<String, Policy> policies = new KafkaProducer<>(kafka.producerProperties(),
                Serdes.String().serializer(), topics.policies().valueSerde().serializer())) {
            policies.send(budget(ScopeType.TEAM, "acme", DOLLAR, BudgetAction.DOWNGRADE, "sim-small")).get();
            policies.send(budget(ScopeType.TEAM, "marker", DOLLAR, BudgetAction.ALERT, null)).get();
        }
        List<SpendTotal> acme = List.of(total("acme", today, 600_000), total("acme", today, 900_000),
                total("acme", today, 1_200_000));

        // When the application processes the spend, restarts on an empty state directory, and the spend is replayed
        BudgetAlertsApplication first = new BudgetAlertsApplication(config(kafka, appId, stateDirs.resolve("one"))).start();
        try (KafkaProducer<String, SpendTotal> spend = spendProducer(kafka, topics);
             KafkaConsumer<String, BudgetAlert> alerts = consumer(kafka, topics.alerts().valueSerde().deserializer(), Topics.ALERTS);
             KafkaConsumer<String, RoutingCommand> commands = consumer(kafka, topics.commands().valueSerde().deserializer(), Topics.COMMANDS)) {
            List<BudgetAlert> alertsSeen = new ArrayList<>();
            List<RoutingCommand> commandsSeen = new ArrayList<>();
            await().atMost(Duration.ofSeconds(60)).until(() -> first.state() == KafkaStreams.State.RUNNING);
            for (SpendTotal total : acme) {
                spend.send(record(total)).get();
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> {
                alerts.poll(Duration.ofMillis(100)).forEach(r -> alertsSeen.add(r.value()));
                commands.poll(Duration.ofMillis(100)).forEach(r -> commandsSeen.add(r.value()));
                return alertsSeen.size() >= 3 && !commandsSeen.isEmpty();
            });
            assertThat(budgetsJson(first)).contains("\"scope\":\"team:acme\"", "\"spendMicros\":1200000");
            first.close();

            BudgetAlertsApplication second = new BudgetAlertsApplication(config(kafka, appId, stateDirs.resolve("two"))).start();
            try {
                await().atMost(Duration.ofSeconds(60)).until(() -> second.state() == KafkaStreams.State.RUNNING);
                for (SpendTotal total : acme) {
                    spend.send(record(total)).get();
                }
                spend.send(record(total("marker", today, 500_000))).get();
                await().atMost(Duration.ofSeconds(60)).until(() -> {
                    alerts.poll(Duration.ofMillis(100)).forEach(r -> alertsSeen.add(r.value()));
                    commands.poll(Duration.ofMillis(100)).forEach(r -> commandsSeen.add(r.value()));
                    return alertsSeen.stream().anyMatch(a -> a.getScopeId().equals("marker"));
                });
                commands.poll(Duration.ofMillis(500)).forEach(r -> commandsSeen.add(r.value()));
            } finally {
                second.close();
            }

            // Then team:acme got 50, 80 and 100 % once each, in order, and one DOWNGRADE
            assertThat(alertsSeen.stream().filter(a -> a.getScopeId().equals("acme")).map(BudgetAlert::getAlertId))
                    .containsExactly("team:acme@" + today + "#BUDGET_THRESHOLD:50", "team:acme@" + today + "#BUDGET_THRESHOLD:80",
                            "team:acme@" + today + "#BUDGET_THRESHOLD:100");
            // (other ITs' budgets share the policy topic: only team:acme's commands are this test's)
            List<RoutingCommand> acmeCommands = commandsSeen.stream().filter(c -> c.getScopeId().equals("acme")).toList();
            assertThat(acmeCommands).extracting(RoutingCommand::getAction).containsExactly(CommandAction.DOWNGRADE);
            assertThat(acmeCommands.getFirst().getDowngradeTo()).isEqualTo("sim-small");
        }
    }

    /**
     * Today's key (UTC, the budgets' zone) once more than two minutes of the day are left, waiting for the
     * next day if not. The tests send spend totals for today, and the application ignores totals of a day
     * that is over (and restores that day's commands), so a midnight inside a test (one of these runs in
     * about 10,000) would swallow its alerts or add a RESTORE; the wait costs up to two minutes once in 720.
     */
    static String todayClearOfMidnight() {
        await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            long now = System.currentTimeMillis();
            return Periods.day(now, ZoneId.of("UTC"), 0).endMillis() - now > Duration.ofMinutes(2).toMillis();
        });
        return Periods.day(System.currentTimeMillis(), ZoneId.of("UTC"), 0).key();
    }

    private static String budgetsJson(BudgetAlertsApplication app) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + app.httpPort() + "/budgets?scope=team:acme"))
                .header("Authorization", OPERATOR_TOKEN.authorization()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    static BudgetAlertsConfig config(SharedKafka kafka, String appId, Path stateDir) {
        return new BudgetAlertsConfig(
                Map.of("bootstrap.servers", kafka.bootstrapServers(), "commit.interval.ms", "100",
                        "statestore.cache.max.bytes", "0", "num.stream.threads", "1"),
                kafka.registryUrl(), appId, "127.0.0.1", 0, stateDir, ZoneId.of("UTC"), 80,
                Duration.ofSeconds(1), Duration.ofHours(1), Duration.ofMinutes(5), Duration.ofHours(2), 3,
                Duration.ofDays(30), null).withOperatorToken(OPERATOR_TOKEN);
    }

    static KafkaProducer<String, SpendTotal> spendProducer(SharedKafka kafka, Topics topics) {
        return new KafkaProducer<>(kafka.producerProperties(), Serdes.String().serializer(), topics.spend().valueSerde().serializer());
    }

    /**
     * Reads {@code topic} from its current end: what is there already was written by the module's other ITs on
     * the shared broker, in their own registry scopes, whose schema ids this test's deserializer cannot resolve
     * (a run failed on an alert of WebhookAndDeadLetterIT at offset 0). Create it before producing anything.
     */
    static <V> KafkaConsumer<String, V> consumer(SharedKafka kafka, org.apache.kafka.common.serialization.Deserializer<V> values, String topic) {
        KafkaConsumer<String, V> consumer = new KafkaConsumer<>(kafka.consumerProperties("it-" + UUID.randomUUID()),
                Serdes.String().deserializer(), values);
        List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position); // fixes the start now, before the test writes anything
        return consumer;
    }

    static ProducerRecord<String, Policy> budget(ScopeType type, String id, long limit, BudgetAction action, String downgradeTo) {
        BudgetPolicy budget = BudgetPolicy.newBuilder().setScopeType(type).setScopeId(id).setPeriod(PeriodType.DAY)
                .setZone("UTC").setLimitMicros(limit).setAction(action).setDowngradeTo(downgradeTo).build();
        return new ProducerRecord<>(Topics.POLICIES, PolicyRecords.budgetKey(type, id, PeriodType.DAY),
                new Policy(budget, System.currentTimeMillis(), "it"));
    }

    static SpendTotal total(String team, String day, long cost) {
        return SpendTotal.newBuilder().setScopeType(ScopeType.TEAM).setScopeId(team).setPeriod(PeriodType.DAY)
                .setPeriodKey(day).setCostMicros(cost).setCostByModel(Map.of("sim-large", cost))
                .setCostByAgent(Map.of("planner", cost)).setUpdatedAt(cost).build();
    }

    static ProducerRecord<String, SpendTotal> record(SpendTotal total) {
        return new ProducerRecord<>(Topics.SPEND, Keys.spend(total.getScopeType(), total.getScopeId(), total.getPeriodKey()), total);
    }
}
