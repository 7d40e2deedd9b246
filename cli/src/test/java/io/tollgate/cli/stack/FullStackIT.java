package io.tollgate.cli.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.cli.fleet.AgentIdentity;
import io.tollgate.cli.fleet.Fleet;
import io.tollgate.cli.fleet.FleetStats;
import io.tollgate.cli.fleet.Prices;
import io.tollgate.cli.ops.CompactedTopic;
import io.tollgate.cli.ops.ConnectionOptions;
import io.tollgate.cli.ops.ServiceHttp;
import io.tollgate.localstack.provider.ServedCounters;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.BudgetAlert;
import io.tollgate.schemas.avro.CommandAction;
import io.tollgate.schemas.avro.RoutingCommand;
import io.tollgate.schemas.policy.TollgateConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole stack in this JVM on free ports, 20 simulated agents over HTTP until the gateway has
 * answered 300 calls, then: the metering stores hold exactly what the simulated provider served,
 * spend is the price table applied call by call, and every alert was published once.
 */
class FullStackIT {

    @TempDir
    Path dir;

    @Test
    void shouldMeterExactlyWhatTheProviderServedWhenAFleetRunsThroughTheWholeStack() throws Exception {
        // Given the example policy with budgets small enough to trip within seconds
        String yaml = Files.readString(Path.of("..", "tollgate.yaml"))
                .replace("limit_usd: 0.50, action: downgrade", "limit_usd: 0.02, action: downgrade")
                .replace("limit_usd: 0.30, action: block", "limit_usd: 0.01, action: block")
                .replace("limit_usd: 0.20, thresholds", "limit_usd: 0.005, thresholds");
        Path policyFile = dir.resolve("tollgate.yaml");
        Files.writeString(policyFile, yaml);

        try (TollgateStack stack = TollgateStack.start(StackSettings.ephemeral(policyFile, dir.resolve("data")), step -> { })) {
            TollgateConfig policy = stack.policy();
            Fleet fleet = new Fleet(stack.gatewayUrl(), AgentIdentity.demoAgents(policy), new Prices(policy),
                    new Fleet.Settings(20, 25, 0.3, 0.4, 128, 7)).start();

            // When the fleet has been answered 300 times
            await().atMost(Duration.ofSeconds(90)).until(() -> fleet.stats().totalCalls() >= 300);
            fleet.close();
            FleetStats stats = fleet.stats();
            assertThat(stats.errors()).as("calls that failed on the fleet's side").isEmpty();

            // Then what the fleet was told per model is what the provider counted
            Map<String, ServedCounters.Served> served = stack.infrastructure().provider().counters().byModel();
            Map<String, long[]> fleetByModel = new HashMap<>();
            stats.served().forEach((teamModel, t) -> {
                long[] sums = fleetByModel.computeIfAbsent(teamModel.split("\\|")[1], m -> new long[3]);
                sums[0] += t.promptTokens();
                sums[1] += t.completionTokens();
                sums[2] += t.costMicros();
            });
            assertThat(served.keySet()).as("models the provider served").hasSizeGreaterThanOrEqualTo(3)
                    .isEqualTo(fleetByModel.keySet());
            served.forEach((model, s) -> {
                assertThat(s.failed()).isZero();
                assertThat(fleetByModel.get(model)[0]).as("prompt tokens of " + model).isEqualTo(s.promptTokens());
                assertThat(fleetByModel.get(model)[1]).as("completion tokens of " + model).isEqualTo(s.completionTokens());
            });

            // And the metering stores hold exactly the provider's requests and tokens, and the priced spend
            ServiceHttp http = new ServiceHttp(Duration.ofSeconds(5));
            List<String> keys = policy.keys().stream().map(TollgateConfig.ApiKey::id).toList();
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                for (Map.Entry<String, ServedCounters.Served> e : served.entrySet()) {
                    long requests = 0;
                    long tokens = 0;
                    for (String key : keys) {
                        JsonNode day = http.get(stack.meteringUrl(), "/v1/keys/" + key + "/daily?model=" + e.getKey());
                        requests += day.path("requests").asLong();
                        tokens += day.path("tokens").asLong();
                    }
                    assertThat(requests).as("requests of " + e.getKey()).isEqualTo(e.getValue().requests());
                    assertThat(tokens).as("tokens of " + e.getKey())
                            .isEqualTo(e.getValue().promptTokens() + e.getValue().completionTokens());
                }
                JsonNode spend = http.get(stack.meteringUrl(), "/v1/spend/tenant/acme?period=MONTH");
                assertThat(spend.path("inFlightMicros").asLong()).isZero();
                assertThat(spend.path("costMicros").asLong()).isEqualTo(stats.totalCostMicros());
                fleetByModel.forEach((model, sums) -> assertThat(spend.path("costByModel").path(model).asLong())
                        .as("spend on " + model).isEqualTo(sums[2]));
            });

            // And the small budgets gave alerts, each exactly once, and the support team was blocked
            ConnectionOptions connection = new ConnectionOptions(stack.infrastructure().bootstrapServers(),
                    stack.infrastructure().registryUrl());
            Topics topics = Topics.forRegistry(stack.infrastructure().registryUrl());
            await().atMost(Duration.ofSeconds(30)).until(() -> CompactedTopic.read(connection, Topics.COMMANDS,
                    topics.commands().valueSerde().deserializer(), Duration.ofSeconds(10), p -> { }).values().stream()
                    .map(RoutingCommand::getAction).anyMatch(CommandAction.BLOCK::equals));
            Map<String, Integer> alertCounts = alertIds(connection, topics);
            assertThat(alertCounts).containsKey("team:research@" + researchDay(stack, http) + "#BUDGET_THRESHOLD:50");
            assertThat(alertCounts).allSatisfy((id, count) -> assertThat(count).as(id).isEqualTo(1));
        }
    }

    private static String researchDay(TollgateStack stack, ServiceHttp http) {
        return http.get(stack.meteringUrl(), "/v1/spend/team/research").path("periodKey").asText();
    }

    private static Map<String, Integer> alertIds(ConnectionOptions connection, Topics topics) {
        Map<String, Integer> counts = new HashMap<>();
        try (KafkaConsumer<String, BudgetAlert> consumer = new KafkaConsumer<>(connection.consumer(), new StringDeserializer(),
                topics.alerts().valueSerde().deserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.ALERTS).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (ConsumerRecord<String, BudgetAlert> record : consumer.poll(Duration.ofMillis(200))) {
                    counts.merge(record.value().getAlertId(), 1, Integer::sum);
                }
            }
        }
        return counts;
    }
}
