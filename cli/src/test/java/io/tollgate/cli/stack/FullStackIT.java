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
import io.tollgate.schemas.avro.CallStatus;
import io.tollgate.schemas.avro.Phase;
import io.tollgate.schemas.avro.UsageEvent;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
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
 * spend is the price table applied call by call, every alert was published once, nothing was lost
 * (each answered call has exactly one REQUEST and one RESPONSE per attempt on the usage topic, and
 * the topic holds no other call), and downgrades took effect (every call routed by a DOWNGRADE was
 * served by its target, and a call made now on each downgraded scope is served by the target; on
 * each blocked scope it is refused).
 */
class FullStackIT {

    @TempDir
    Path dir;

    @Test
    void shouldMeterExactlyWhatTheProviderServedWhenAFleetRunsThroughTheWholeStack() throws Exception {
        // Given the example policy with budgets small enough to trip within seconds, and a day (UTC and the
        // tenant's Berlin) that lasts the test: the stores' day and month totals are compared with the fleet's
        Midnights.awaitClear(Duration.ofMinutes(3));
        String yaml = Files.readString(Path.of("..", "tollgate.yaml"))
                .replace("limit_usd: 0.08, action: downgrade", "limit_usd: 0.02, action: downgrade")
                .replace("limit_usd: 0.06, action: block", "limit_usd: 0.01, action: block")
                .replace("limit_usd: 0.03, thresholds", "limit_usd: 0.005, thresholds");
        assertThat(yaml).as("the example file's budgets were shrunk")
                .contains("limit_usd: 0.02, action: downgrade", "limit_usd: 0.01, action: block", "limit_usd: 0.005, thresholds");
        Path policyFile = dir.resolve("tollgate.yaml");
        Files.writeString(policyFile, yaml);

        try (TollgateStack stack = TollgateStack.start(StackSettings.ephemeral(policyFile, dir.resolve("data")), step -> { })) {
            TollgateConfig policy = stack.policy();
            Map<String, Integer> answered = new ConcurrentHashMap<>();
            Map<String, String> servedBy = new ConcurrentHashMap<>();
            Fleet fleet = new Fleet(stack.gatewayUrl(), AgentIdentity.demoAgents(policy), new Prices(policy),
                    new Fleet.Settings(20, 25, 0.3, 0.4, 128, 7)).onAnswer((identity, status, callId, model) -> {
                        if (!callId.isEmpty()) {
                            answered.put(callId, status);
                            servedBy.put(callId, model);
                        }
                    }).start();

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
            ServiceHttp http = new ServiceHttp(Duration.ofSeconds(5)).with(stack.operatorToken());
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

            try (TopicRecorder<UsageEvent> usage = new TopicRecorder<>(connection, Topics.USAGE,
                    topics.usage().valueSerde().deserializer())) {
                // And nothing was lost: one REQUEST and one RESPONSE (by event id) per attempt of every answered call
                assertThat(answered).as("calls answered with a call id").hasSizeGreaterThanOrEqualTo(300);
                await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                        assertNothingLost(answered, servedBy, usage.all().stream().map(TopicRecorder.Received::value).toList()));

                // And downgrades took effect: calls the router sent elsewhere by a DOWNGRADE went to its target...
                List<RoutingCommand> history = new ArrayList<>();
                try (TopicRecorder<RoutingCommand> commands = new TopicRecorder<>(connection, Topics.COMMANDS,
                        topics.commands().valueSerde().deserializer())) {
                    Map<String, RoutingCommand> latest = CompactedTopic.read(connection, Topics.COMMANDS,
                            topics.commands().valueSerde().deserializer(), Duration.ofSeconds(10), p -> { });
                    await().atMost(Duration.ofSeconds(10)).until(() -> commands.all().size() >= latest.size());
                    commands.all().forEach(r -> history.add(r.value()));
                    assertThat(history).as("DOWNGRADE of the research team (budget $0.02)")
                            .anyMatch(c -> c.getAction() == CommandAction.DOWNGRADE && c.getScopeId().equals("research"));
                    Map<String, RoutingCommand> byId = new HashMap<>();
                    history.forEach(c -> byId.put(c.getCommandId(), c));
                    List<UsageEvent> downgraded = usage.all().stream().map(TopicRecorder.Received::value)
                            .filter(e -> e.getRoutingReason() != null && e.getRoutingReason().startsWith("downgrade by command "))
                            .toList();
                    assertThat(downgraded).as("usage events routed by a DOWNGRADE").isNotEmpty();
                    for (UsageEvent event : downgraded) {
                        String commandId = event.getRoutingReason().substring("downgrade by command ".length()).split(" ")[0];
                        assertThat(byId).as("command named by " + event.getEventId()).containsKey(commandId);
                        assertThat(servesTarget(policy, byId.get(commandId), event.getModel()))
                                .as(event.getModel() + " for " + byId.get(commandId)).isTrue();
                    }

                    // ...and a call made now on each scope with a command in force obeys it
                    GatewayCaller caller = new GatewayCaller(stack.gatewayUrl());
                    for (RoutingCommand command : latest.values()) {
                        if (command.getAction() == CommandAction.RESTORE) {
                            continue;
                        }
                        AgentIdentity agent = agentIn(policy, command);
                        GatewayCaller.Answer answer = caller.callWithSecret(agent.secret(), "sim-large", 16, "Status?");
                        if (command.getAction() == CommandAction.BLOCK) {
                            assertThat(answer.status()).as(answer.body()).isEqualTo(command.getBlockStatus());
                            assertThat(answer.body()).contains(command.getReason());
                        } else {
                            assertThat(answer.status()).as(answer.body()).isEqualTo(200);
                            assertThat(servesTarget(policy, command, answer.model())).as(answer.model() + " for " + command)
                                    .isTrue();
                        }
                    }
                }
            }
        }
    }

    /** Every answered call's attempts each have exactly one REQUEST and one RESPONSE; no call is unknown. */
    private static void assertNothingLost(Map<String, Integer> answered, Map<String, String> servedBy, List<UsageEvent> events) {
        Map<String, Map<Integer, Map<Phase, Set<String>>>> byCall = new HashMap<>();
        for (UsageEvent e : events) {
            byCall.computeIfAbsent(e.getCallId(), c -> new TreeMap<>()).computeIfAbsent(e.getAttempt(), a -> new HashMap<>())
                    .computeIfAbsent(e.getPhase(), p -> new HashSet<>()).add(e.getEventId());
        }
        assertThat(answered.keySet()).as("calls on the usage topic").containsAll(byCall.keySet());
        answered.forEach((callId, status) -> {
            Map<Integer, Map<Phase, Set<String>>> attempts = byCall.getOrDefault(callId, Map.of());
            if (status == 200) {
                assertThat(attempts).as("attempts of served call " + callId).isNotEmpty();
            }
            attempts.forEach((attempt, phases) -> {
                assertThat(phases.getOrDefault(Phase.REQUEST, Set.of())).as("REQUEST of " + callId + "#" + attempt).hasSize(1);
                assertThat(phases.getOrDefault(Phase.RESPONSE, Set.of())).as("RESPONSE of " + callId + "#" + attempt).hasSize(1);
            });
            if (!attempts.isEmpty()) {
                assertThat(attempts.keySet()).as("attempt numbers of " + callId).startsWith(1).hasSize(
                        ((TreeMap<Integer, ?>) attempts).lastKey());
            }
        });
        Map<String, String> lastModel = new HashMap<>();
        events.stream().filter(e -> e.getPhase() == Phase.RESPONSE && e.getStatus() == CallStatus.SUCCESS)
                .forEach(e -> lastModel.put(e.getCallId(), e.getModel()));
        answered.forEach((callId, status) -> {
            if (status == 200) {
                assertThat(lastModel.get(callId)).as("model of the successful attempt of " + callId)
                        .isEqualTo(servedBy.get(callId));
            }
        });
    }

    /** The command's target model, or a model of its target tier (the router picks the cheapest fitting one). */
    private static boolean servesTarget(TollgateConfig policy, RoutingCommand command, String model) {
        String target = command.getDowngradeTo();
        return target.equals(model) || policy.models().stream()
                .anyMatch(m -> m.id().equals(model) && target.equals(m.tier()));
    }

    /** A demo agent inside the command's scope that may ask for sim-large. */
    private static AgentIdentity agentIn(TollgateConfig policy, RoutingCommand command) {
        Map<String, TollgateConfig.ApiKey> keys = new HashMap<>();
        policy.keys().forEach(k -> keys.put(k.id(), k));
        return AgentIdentity.demoAgents(policy).stream()
                .filter(a -> a.allowedModels().isEmpty() || a.allowedModels().contains("sim-large"))
                .filter(a -> switch (command.getScopeType()) {
                    case TENANT -> keys.get(a.keyId()).tenant().equals(command.getScopeId());
                    case TEAM -> a.team().equals(command.getScopeId());
                    case AGENT -> a.agent().equals(command.getScopeId());
                    case API_KEY -> a.keyId().equals(command.getScopeId());
                    default -> false;
                })
                .findFirst().orElseThrow(() -> new AssertionError("no demo agent may call sim-large in " + command));
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
