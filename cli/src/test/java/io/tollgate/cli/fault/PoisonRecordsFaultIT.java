package io.tollgate.cli.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.tollgate.cli.CliRunner;
import io.tollgate.cli.fault.Injector.Unreadable;
import io.tollgate.policy.calendar.Periods;
import io.tollgate.policy.usage.UsagePlausibility;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.ApiKeyPolicy;
import io.tollgate.schemas.avro.BudgetAction;
import io.tollgate.schemas.avro.BudgetPolicy;
import io.tollgate.schemas.avro.CommandAction;
import io.tollgate.schemas.avro.PeriodType;
import io.tollgate.schemas.avro.Policy;
import io.tollgate.schemas.avro.RoutingCommand;
import io.tollgate.schemas.avro.ScopeType;
import io.tollgate.schemas.avro.SpendTotal;
import io.tollgate.schemas.avro.UsageEvent;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every poison class of issue 10 on every topic the services read, against Tollgate as in production: the broker,
 * metering-stream, budget-alerts and the gateway each in a JVM of its own ({@link FaultStack}). Each test has teams of
 * its own (key, model, budget), calls the gateway before and after writing its poison, and ends with the exact
 * figures: what the simulated provider served for the team (plus the valid events the test wrote itself) is what
 * metering-stream counts for the team and its key, in spend and daily totals, and what budget-alerts holds as the
 * budget's spend; every refused record is in the dead-letter topic with its reason, once per reader that refused it;
 * and every service still runs and is healthy. The last test restarts every service (gracefully and by SIGKILL) over
 * the poison still on the topics (each killed and started again): none crash-loops, and every figure stays exact.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PoisonRecordsFaultIT {

    private static final String GATEWAY = "tollgate-gateway";
    private static final List<String> TEAMS = List.of("usage-unreadable", "implausible", "time-offset", "orphan",
            "stream-time", "policies", "intruder", "views", "budget-inputs", "overflow");

    /** Kept when a test fails: every process's log is there. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    static Path dir;

    private FaultStack stack;
    private FaultChecks checks;
    private DeadLetters deadLetters;
    private Injector inject;
    private HttpServer webhook;
    private final List<String> webhookBodies = new CopyOnWriteArrayList<>();
    private final AgentClient agent = new AgentClient(Duration.ofSeconds(60));
    private Ledger ledger;
    private int calls;

    @BeforeAll
    void startStack() throws IOException {
        awaitClearOfMidnight();
        webhook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        webhook.createContext("/hook", exchange -> {
            webhookBodies.add(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        webhook.start();
        stack = FaultStack.start(FaultStack.Settings.forTests(dir, TEAMS)
                .withWebhook("http://127.0.0.1:" + webhook.getAddress().getPort() + "/hook"));
        checks = new FaultChecks(stack);
        ledger = new Ledger(stack);
        deadLetters = new DeadLetters(stack);
        inject = new Injector(stack);
    }

    @AfterAll
    void stopStack() {
        if (inject != null) {
            inject.close();
        }
        if (deadLetters != null) {
            deadLetters.close();
        }
        if (stack != null) {
            stack.close();
        }
        if (webhook != null) {
            webhook.stop(0);
        }
    }

    @AfterEach
    void everyServiceStillRuns() {
        checks.assertAllRunning();
    }

    @Test
    @Order(1)
    void shouldDeadLetterUnreadableUsageRecordsAndCountEveryCallExactly() {
        // Given a team whose calls are served
        String team = "usage-unreadable";
        serve(team, 3);
        UsageEvent valid = Injector.request(team, UUID.randomUUID().toString(), System.currentTimeMillis(), 10, 5);

        // When unreadable records, a record without a key and one under another key arrive on the usage topic
        String key = FaultPolicy.keyId(team);
        Map<RecordMetadata, String> poison = new LinkedHashMap<>();
        for (Unreadable kind : Unreadable.values()) {
            poison.put(inject.unreadable(Topics.USAGE, key, kind), "DESERIALIZATION");
        }
        poison.put(inject.raw(Topics.USAGE, null, stack.topics().usage().valueSerde().serializer()
                .serialize(Topics.USAGE, valid)), "MISSING_KEY");
        poison.put(inject.raw(Topics.USAGE, FaultPolicy.keyId("intruder"), stack.topics().usage().valueSerde()
                .serializer().serialize(Topics.USAGE, valid)), "KEY_MISMATCH");
        serve(team, 3);

        // Then each is dead-lettered by metering with its reason, and the team counts exactly the calls served
        poison.forEach((at, reason) -> checks.awaitDeadLettered(deadLetters, at, reason,
                List.of(stack.meteringApplicationId())));
        assertExact(team);
    }

    @Test
    @Order(2)
    void shouldDeadLetterImpossibleFiguresAndCountEveryCallExactly() {
        // Given a team whose calls are served
        String team = "implausible";
        serve(team, 2);
        long now = System.currentTimeMillis();
        UsageEvent request = Injector.request(team, UUID.randomUUID().toString(), now, 100, 50);
        UsageEvent response = Injector.response(request, now, 100, 40);

        // When RESPONSEs with a negative prompt, a total beyond any context window, a cost near Long.MAX_VALUE
        // and a REQUEST reserving near Long.MAX_VALUE arrive, each without a partner
        Map<RecordMetadata, String> poison = new LinkedHashMap<>();
        poison.put(inject.usage(UsageEvent.newBuilder(response).setEventId(id()).setCallId(id()).setPromptTokens(-5)
                .setTotalTokens(35).build()), "NEGATIVE");
        poison.put(inject.usage(UsageEvent.newBuilder(response).setEventId(id()).setCallId(id())
                .setCompletionTokens(4_000_000_000L).setTotalTokens(4_000_000_100L).build()), "TOKENS_BEYOND_WINDOW");
        poison.put(inject.usage(UsageEvent.newBuilder(response).setEventId(id()).setCallId(id())
                .setCostMicros(Long.MAX_VALUE - 1).build()), "COST_MISMATCH");
        poison.put(inject.usage(UsageEvent.newBuilder(request).setEventId(id()).setCallId(id())
                .setReservedCostMicros(Long.MAX_VALUE - 7).build()), "COST_MISMATCH");
        serve(team, 2);

        // Then metering dead-letters each with the plausibility rule's reason and counts exactly the calls served
        poison.forEach((at, reason) -> checks.awaitDeadLettered(deadLetters, at, reason,
                List.of(stack.meteringApplicationId())));
        assertThat(poison.values()).allSatisfy(reason -> assertThat(UsagePlausibility.Reason.valueOf(reason)).isNotNull());
        assertExact(team);
    }

    @Test
    @Order(3)
    void shouldCountEventsTwoHoursAheadAtTheirIngestTimeAndTwoHoursBehindInTheirOwnDay() {
        // Given a team whose calls are served
        String team = "time-offset";
        serve(team, 2);
        long now = System.currentTimeMillis();

        // When a whole call dated 2 h ahead and one dated 2 h behind arrive
        long ahead = now + Duration.ofHours(2).toMillis();
        long behind = now - Duration.ofHours(2).toMillis();
        writeCall(team, ahead, 120, 30, FaultChecks.today());
        writeCall(team, behind, 80, 20, day(behind));
        serve(team, 2);

        // Then the one ahead counts today (clamped to its ingest time, never in the future), the one behind in its
        // own day, and the rest exactly; nothing is dead-lettered
        Metered.Spend today = assertExact(team);
        assertThat(today.clampedEvents()).as("events clamped to their ingest time").isEqualTo(2);
        assertThat(deadLettersOf(team)).isEmpty();
    }

    @Test
    @Order(4)
    void shouldCountAResponseWithoutRequestReorderedAndRepeatedEventsOnce() {
        // Given a team whose calls are served
        String team = "orphan";
        serve(team, 2);
        long now = System.currentTimeMillis();

        // When a RESPONSE without a REQUEST arrives, a call whose RESPONSE comes before its REQUEST, and a call
        // whose RESPONSE comes twice
        UsageEvent orphanRequest = Injector.request(team, id(), now, 60, 30);
        inject.usage(Injector.response(orphanRequest, now, 60, 25));
        UsageEvent reordered = Injector.request(team, id(), now, 70, 30);
        inject.usage(Injector.response(reordered, now, 70, 10));
        inject.usage(reordered);
        UsageEvent repeated = Injector.request(team, id(), now, 90, 30);
        UsageEvent repeatedResponse = Injector.response(repeated, now, 90, 15);
        inject.usage(repeated);
        inject.usage(repeatedResponse);
        inject.usage(repeatedResponse);
        ledger.expect(team, FaultChecks.today(), Figures.call(60, 25).plus(Figures.call(70, 10))
                .plus(Figures.call(90, 15)));
        serve(team, 2);

        // Then each of the three counts once at its actual figures, two of them as RESPONSEs without a REQUEST
        Metered.Spend today = assertExact(team);
        assertThat(today.orphanResponses()).isEqualTo(2);
        assertThat(Metered.call(stack.metering().getFirst(), team, orphanRequest.getCallId())).get()
                .satisfies(call -> assertThat(call.path("attempts")).hasSize(1));
        assertThat(deadLettersOf(team)).isEmpty();
    }

    @Test
    @Order(5)
    void shouldKeepCountingRecentCallsAfterAnEventFiftyMinutesAheadAndLateOnes() {
        // Given a team whose calls are served
        String team = "stream-time";
        serve(team, 2);
        long now = System.currentTimeMillis();

        // When a call dated 50 min ahead arrives (beyond the 5 min allowed: it would advance the stream's clock),
        // then a call 10 min late (behind the per-minute window), then more calls
        writeCall(team, now + Duration.ofMinutes(50).toMillis(), 50, 10, FaultChecks.today());
        writeCall(team, now - Duration.ofMinutes(10).toMillis(), 40, 10, day(now - Duration.ofMinutes(10).toMillis()));
        AgentClient.Answer last = serve(team, 3);

        // Then the recent calls still count in the trailing minute, and every call counts exactly
        Metered.Spend today = assertExact(team);
        assertThat(today.clampedEvents()).isEqualTo(2);
        long at = System.currentTimeMillis();
        assertThat(Metered.requestsPerMinute(stack.metering().getFirst(), team, at))
                .as("requests of the minute ending now (%d), the last call answered at it: %s", at, last).isPositive();
        assertThat(deadLettersOf(team)).isEmpty();
    }

    @Test
    @Order(6)
    void shouldRefuseUnreadablePoliciesAndPoliciesUnderAnotherKeyInEveryService() {
        // Given the teams' keys and budgets applied, and the intruder served once
        String team = "policies";
        serve(team, 1);
        serve("intruder", 1);
        Map<String, Policy> policies = stack.policies();
        String victimKey = "key:" + FaultPolicy.keyId(team);
        String victimBudget = "budget:team:" + team + "@DAY";
        Policy intruderKey = policies.get("key:" + FaultPolicy.keyId("intruder"));
        Policy intruderBudget = policies.get("budget:team:intruder@DAY");
        Policy blockingBudget = Policy.newBuilder(intruderBudget).setPolicy(BudgetPolicy.newBuilder(
                (BudgetPolicy) intruderBudget.getPolicy()).setLimitMicros(1).setAction(BudgetAction.BLOCK).build()).build();

        // When unreadable records and the intruder's key and a $0.000001 BLOCK budget arrive under the team's keys
        Map<RecordMetadata, String> poison = new LinkedHashMap<>();
        poison.put(inject.unreadable(Topics.POLICIES, victimKey, Unreadable.GARBAGE), "UNREADABLE");
        poison.put(inject.unreadable(Topics.POLICIES, "tier:paid", Unreadable.UNKNOWN_SCHEMA), "UNREADABLE");
        poison.put(inject.unreadable(Topics.POLICIES, victimBudget, Unreadable.OTHER_TYPE), "UNREADABLE");
        poison.put(inject.typed(stack.topics().policies(), victimKey, intruderKey), "KEY_MISMATCH");
        poison.put(inject.typed(stack.topics().policies(), victimBudget, blockingBudget), "KEY_MISMATCH");
        assertThat(((ApiKeyPolicy) intruderKey.getPolicy()).getKeyId()).isEqualTo(FaultPolicy.keyId("intruder"));

        // Then every reader refuses each with its reason, and the team keeps its own key and budget: served,
        // never blocked, even after its spend reached budget-alerts
        poison.forEach((at, reason) -> checks.awaitDeadLettered(deadLetters, at, reason,
                List.of(stack.meteringApplicationId(), stack.budgetApplicationId(), GATEWAY)));
        serve(team, 2);
        assertExact(team);
        serve(team, 2);
        assertThat(stack.budget().get("/commands").body()).doesNotContain("team:" + team + "\"");
        assertExact(team);
        assertExact("intruder");
    }

    @Test
    @Order(7)
    void shouldDeadLetterUnreadableAndMismatchedQuotaStatusAndCommandsAndKeepServing() {
        // Given a team and the intruder served, so that the intruder has a quota status
        String team = "views";
        serve(team, 2);
        serve("intruder", 1);
        String intruderStatusKey = FaultPolicy.keyId("intruder") + "|*";
        byte[] intruderStatus = awaitLatest(Topics.QUOTA_STATUS, intruderStatusKey);
        String statusKey = FaultPolicy.keyId(team) + "|*";
        String scopeKey = "team:" + team;

        // When unreadable records and the intruder's status arrive under the team's quota key, and unreadable
        // commands and a BLOCK of the intruder arrive under the team's scope
        Map<RecordMetadata, List<String>> quotaPoison = new LinkedHashMap<>();
        for (Unreadable kind : Unreadable.values()) {
            quotaPoison.put(inject.unreadable(Topics.QUOTA_STATUS, statusKey, kind), List.of("DESERIALIZATION"));
        }
        quotaPoison.put(inject.raw(Topics.QUOTA_STATUS, statusKey, intruderStatus), List.of("INVALID_RECORD"));
        Map<RecordMetadata, String> commandPoison = new LinkedHashMap<>();
        for (Unreadable kind : Unreadable.values()) {
            commandPoison.put(inject.unreadable(Topics.COMMANDS, scopeKey, kind), "DESERIALIZATION");
        }
        RoutingCommand block = RoutingCommand.newBuilder().setCommandId(id()).setAction(CommandAction.BLOCK)
                .setScopeType(ScopeType.TEAM).setScopeId("intruder").setReason("fault test: not for this key")
                .setBlockStatus(403).setIssuedAt(System.currentTimeMillis()).setSource("fault-test").build();
        commandPoison.put(inject.typed(stack.topics().commands(), scopeKey, block), "INVALID_RECORD");

        // Then budget-alerts (quota statuses) and the gateway (both) dead-letter each, and neither team is blocked
        quotaPoison.forEach((at, reasons) -> checks.awaitDeadLettered(deadLetters, at, reasons.getFirst(),
                List.of(stack.budgetApplicationId(), GATEWAY)));
        commandPoison.forEach((at, reason) -> checks.awaitDeadLettered(deadLetters, at, reason, List.of(GATEWAY)));
        serve(team, 3);
        serve("intruder", 1);
        assertExact(team);
        assertExact("intruder");
    }

    @Test
    @Order(8)
    void shouldDeadLetterUnreadableMismatchedAndNegativeSpendAndUnreadableAlertsAndSurviveAnOverflowingTotal() {
        // Given a team served, and the overflow team's budget
        String team = "budget-inputs";
        serve(team, 2);
        String today = FaultChecks.today();
        String spendKey = "team:" + team + "@" + today;
        SpendTotal real = SpendTotal.newBuilder().setScopeType(ScopeType.TEAM).setScopeId(team)
                .setPeriod(PeriodType.DAY).setPeriodKey(today).setPeriodStartMillis(0).setPeriodEndMillis(1)
                .setZone("UTC").setCostMicros(1).setInFlightMicros(0).setRequests(1).setPromptTokens(1)
                .setCompletionTokens(1).setCostByModel(Map.of()).setCostByAgent(Map.of()).setLastEventTime(0)
                .setUpdatedAt(System.currentTimeMillis()).setTenant("acme").build();

        // When unreadable spend, the intruder's total under the team's key and a negative total arrive; unreadable
        // alerts arrive under the overflow team's scope; then a total of Long.MAX_VALUE - 1 for the overflow team
        Map<RecordMetadata, String> spendPoison = new LinkedHashMap<>();
        for (Unreadable kind : Unreadable.values()) {
            spendPoison.put(inject.unreadable(Topics.SPEND, spendKey, kind), "DESERIALIZATION");
        }
        spendPoison.put(inject.typed(stack.topics().spend(), spendKey, SpendTotal.newBuilder(real).setScopeId("intruder")
                .setCostMicros(1_000_000_000_000L).build()), "INVALID_RECORD");
        spendPoison.put(inject.typed(stack.topics().spend(), spendKey, SpendTotal.newBuilder(real).setCostMicros(-5)
                .build()), "INVALID_RECORD");
        List<RecordMetadata> alertPoison = new ArrayList<>();
        for (Unreadable kind : Unreadable.values()) {
            alertPoison.add(inject.unreadable(Topics.ALERTS, "team:overflow", kind));
        }
        inject.typed(stack.topics().spend(), "team:overflow@" + today, SpendTotal.newBuilder(real).setScopeId("overflow")
                .setCostMicros(Long.MAX_VALUE - 1).build());

        // Then budget-alerts dead-letters the spend, its webhook the alerts, and it alerts on the overflowing total
        // without failing
        spendPoison.forEach((at, reason) -> checks.awaitDeadLettered(deadLetters, at, reason,
                List.of(stack.budgetApplicationId())));
        alertPoison.forEach(at -> checks.awaitDeadLettered(deadLetters, at, "DESERIALIZATION",
                List.of(stack.budgetApplicationId() + "-webhook")));
        await().atMost(FaultChecks.CONVERGE).untilAsserted(() -> assertThat(webhookBodies)
                .anySatisfy(body -> assertThat(body).contains("team:overflow@" + today + "#BUDGET_THRESHOLD:100")));
        assertThat(Metered.budgetSpend(stack.budget(), "overflow")).contains(Long.MAX_VALUE - 1);

        // And the other readers of alerts get past the unreadable ones: the CLI's tail and the dashboard
        CliRunner tail = CliRunner.run("alerts", "tail", "--from-beginning", "--scope", "team:overflow", "--limit", "1",
                "--json", "--bootstrap-servers", stack.broker().bootstrapServers(), "--registry-url", stack.registryUrl());
        assertThat(tail.exit()).as(tail.err()).isZero();
        assertThat(tail.out()).contains("overflow");
        assertThat(tail.err()).contains("not a readable alert");
        assertThat(stack.metering().getFirst().get("/dashboard/api/alerts").status()).isEqualTo(200);

        // And once the overflow team and the team are served, metering's totals replace what was written
        serve("overflow", 1);
        serve(team, 2);
        assertExact("overflow");
        assertExact(team);
    }

    @Test
    @Order(9)
    void shouldRestartEveryServiceOverThePoisonAndKeepEveryFigureExact() {
        // Given every poison of the tests above still on the topics
        for (ServiceProcess service : stack.services()) {
            // When each service is killed (SIGKILL) and started again, reading its topics anew
            service.kill();
            service.start();
            // Then it comes back ready and healthy
            checks.assertAllRunning();
        }

        // And every team's figures are exact, and calls are metered as before
        serve("usage-unreadable", 1);
        for (String team : ledger.expected().keySet()) {
            assertExact(team);
        }
    }

    /** Makes {@code n} calls of the team through the gateway (every other one streamed); each must be answered. */
    private AgentClient.Answer serve(String team, int n) {
        AgentClient.Answer answer = null;
        for (int i = 0; i < n; i++) {
            calls++;
            answer = ledger.serve(agent, stack.gateways().getFirst(), team,
                    "Fault " + team + " call " + calls + ": count the words in this sentence.", 3 + calls % 7,
                    calls % 2 == 0);
        }
        return answer;
    }

    /** Writes a whole call (REQUEST, RESPONSE) of the team dated {@code timestamp}, expected to count on {@code day}. */
    private void writeCall(String team, long timestamp, long prompt, long completion, String day) {
        UsageEvent request = Injector.request(team, id(), timestamp, prompt, completion + 10);
        inject.usage(request);
        inject.usage(Injector.response(request, timestamp, prompt, completion));
        ledger.expect(team, day, Figures.call(prompt, completion));
    }

    private Metered.Spend assertExact(String team) {
        return ledger.assertExact(stack.metering().getFirst(), team);
    }

    private List<DeadLetters.Letter> deadLettersOf(String team) {
        return deadLetters.all().stream().filter(l -> l.key() != null && l.key().contains(team)).toList();
    }

    /** The newest record under {@code key} on {@code topic}, once there is one. */
    private byte[] awaitLatest(String topic, String key) {
        try (RawTopic records = new RawTopic(stack.connection(), topic)) {
            return await().atMost(FaultChecks.CONVERGE).until(() -> records.records().stream()
                    .filter(r -> r.key() != null && key.equals(new String(r.key(), StandardCharsets.UTF_8)))
                    .reduce((first, second) -> second).map(ConsumerRecord::value).orElse(null), v -> v != null);
        }
    }

    private static String day(long epochMillis) {
        return Periods.day(epochMillis, ZoneOffset.UTC, 0).key();
    }

    private static String id() {
        return UUID.randomUUID().toString();
    }

    /** The tests count per UTC day: start none within 15 minutes of midnight. */
    private static void awaitClearOfMidnight() {
        Duration margin = Duration.ofMinutes(15);
        await().atMost(margin.plusMinutes(1)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            long now = System.currentTimeMillis();
            return Periods.day(now, ZoneOffset.UTC, 0).endMillis() - now > margin.toMillis();
        });
    }
}
