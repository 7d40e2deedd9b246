package io.tollgate.cli.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tollgate.localstack.provider.Behaviour;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.Phase;
import io.tollgate.schemas.avro.UsageEvent;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;
import org.apache.kafka.common.serialization.Deserializer;
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
 * Processes killed with SIGKILL while calls flow, against Tollgate as in production (one broker, two metering-stream
 * instances, budget-alerts and two gateways, each in a JVM of its own). A gateway killed mid-call loses no call: the
 * REQUEST of a call in flight is on Kafka and metering settles it ABANDONED at its reservation after
 * {@code metering.settle.after}, every call an agent got an answer for is counted exactly once. A metering instance
 * killed with two running: the survivor takes over its partitions and the totals stay exact (exactly-once), and
 * queries are answered again.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProcessKillFaultIT {

    /** Longer than metering.settle.after (1 min) plus its punctuation (a tenth of it) and a commit. */
    private static final Duration SETTLEMENT = Duration.ofMinutes(3);

    /** Kept when a test fails: every process's log is there. */
    @TempDir(cleanup = CleanupMode.ON_SUCCESS)
    static Path dir;

    private FaultStack stack;
    private FaultChecks checks;
    private Ledger ledger;
    private final AgentClient agent = new AgentClient(Duration.ofSeconds(120));

    @BeforeAll
    void startStack() {
        stack = FaultStack.start(FaultStack.Settings.forTests(dir, List.of("gw-steady", "gw-slow", "gw-stream",
                "m-steady", "m-other")).withMetering(2).withGateways(2));
        checks = new FaultChecks(stack);
        ledger = new Ledger(stack);
    }

    @AfterAll
    void stopStack() {
        if (stack != null) {
            stack.close();
        }
    }

    @AfterEach
    void everyServiceStillRuns() {
        checks.assertAllRunning();
    }

    @Test
    @Order(1)
    void shouldSettleCallsInFlightAsAbandonedAndCountEveryAnsweredCallOnceWhenAGatewayIsKilledMidCall()
            throws Exception {
        // Given calls answered through both gateways, and two slow calls in flight through gateway-1: a whole answer
        // the provider takes 20 s to give, and a stream it has begun relaying
        ServiceProcess killed = stack.gateways().get(0);
        ServiceProcess other = stack.gateways().get(1);
        serveSteady(killed, 2);
        serveSteady(other, 2);
        stack.provider().scenario().set(FaultPolicy.model("gw-slow"), Behaviour.DEFAULT.withLatency(Duration.ofSeconds(20)));
        stack.provider().scenario().set(FaultPolicy.model("gw-stream"),
                Behaviour.DEFAULT.withChunkDelay(Duration.ofSeconds(1)));
        try (ExecutorService inFlight = Executors.newVirtualThreadPerTaskExecutor()) {
            CompletableFuture<AgentClient.Answer> slow = CompletableFuture.supplyAsync(() -> agent.chat(
                    stack.agentUrl(killed), "gw-slow", "A slow whole answer, please.", 12, false), inFlight);
            CompletableFuture<AgentClient.Answer> stream = CompletableFuture.supplyAsync(() -> agent.chat(
                    stack.agentUrl(killed), "gw-stream", "A slow stream, please.", 40, true), inFlight);
            await().atMost(Duration.ofSeconds(60)).until(() ->
                    stack.provider().counters().forModel(FaultPolicy.model("gw-slow")).requests() == 1
                            && stack.provider().counters().forModel(FaultPolicy.model("gw-stream")).completionTokens() >= 3);

            // When gateway-1 is killed mid-call, calls go on through gateway-2, and gateway-1 is started again
            killed.kill();
            assertThat(slow.get()).as("the slow call's agent").satisfies(a -> assertThat(a.answered()).isFalse());
            assertThat(stream.get()).as("the stream's agent").satisfies(a -> assertThat(a.answered()).isFalse());
            serveSteady(other, 3);
            killed.start();
            serveSteady(killed, 2);
        }

        // Then the two calls in flight count once each, ABANDONED at what their REQUEST reserved, once settled
        for (String team : List.of("gw-slow", "gw-stream")) {
            UsageEvent request = onlyRequest(team);
            Figures reserved = new Figures(1, request.getReservedPromptTokens(), request.getReservedCompletionTokens(),
                    request.getReservedCostMicros());
            await().atMost(SETTLEMENT).pollInterval(Duration.ofSeconds(1)).untilAsserted(() -> {
                Metered.Spend spend = Metered.teamSpend(stack.metering().getFirst(), team, FaultChecks.today());
                assertThat(spend.abandonedCalls()).as("abandoned calls of %s", team).isEqualTo(1);
                assertThat(spend.inFlightMicros()).as("in flight of %s", team).isZero();
            });
            assertThat(stack.provider().counters().forModel(FaultPolicy.model(team)).requests())
                    .as("calls of %s the provider received", team).isEqualTo(1);
            ledger.expect(team, FaultChecks.today(), reserved);
            checks.awaitExact(stack.metering().getFirst(), team, FaultChecks.today(), reserved);
            assertThat(Metered.call(stack.metering().getFirst(), team, request.getCallId())).get()
                    .satisfies(call -> assertThat(call.path("attempts")).singleElement()
                            .satisfies(attempt -> assertThat(attempt.path("status").asText()).isEqualTo("ABANDONED")));
        }
        // And every call an agent got an answer for counts exactly once: provider = metering = budget-alerts
        ledger.assertExact(stack.metering().getFirst(), "gw-steady");
    }

    @Test
    @Order(2)
    void shouldKeepTotalsExactAndAnswerQueriesAgainWhenAMeteringInstanceIsKilledWithTwoRunning() {
        // Given steady calls of two teams through both gateways, and queries of both keys asked at metering-2
        ServiceProcess killed = stack.metering().get(0);
        ServiceProcess survivor = stack.metering().get(1);
        List<String> teams = List.of("m-steady", "m-other");
        List<String> queries = teams.stream().flatMap(t -> List.of("/v1/keys/" + FaultPolicy.keyId(t) + "/daily?model="
                + FaultPolicy.model(t), "/v1/spend/team/" + t).stream()).toList();
        Duration gap;
        String failure;
        try (SteadyLoad load = new SteadyLoad(stack, ledger, stack::gateways, () -> teams, 3, 3.0);
             QueryProbe probe = new QueryProbe(() -> survivor, queries, Duration.ofMillis(100))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> answered(load) >= 20);

            // When metering-1 is killed while calls flow, and the calls go on until the survivor has taken over
            killed.kill();
            long answeredAtKill = answered(load);
            await().atMost(Duration.ofSeconds(180)).until(() -> answered(load) >= answeredAtKill + 150);
            load.close();
            assertThat(load.sent()).as("every call answered").allSatisfy(s -> assertThat(s.answer().answered())
                    .as("%s", s).isTrue());

            // Then the survivor answers the queries again, and counts every call exactly once
            for (String team : teams) {
                ledger.assertExact(survivor, team);
            }
            gap = probe.longestGap();
            failure = probe.firstFailure();
        }
        System.out.printf("metering-1 killed with two running: queries at metering-2 failed for at most %d ms (first "
                + "failure: %s)%n", gap.toMillis(), failure);

        // And once metering-1 is back, both instances answer the same exact totals
        killed.start();
        for (String team : teams) {
            ledger.assertExact(killed, team);
            ledger.assertExact(survivor, team);
        }
    }

    private void serveSteady(ServiceProcess gateway, int n) {
        for (int i = 0; i < n; i++) {
            ledger.serve(agent, gateway, "gw-steady", "A steady call through " + gateway.name() + ", number " + i,
                    5 + i, i % 2 == 1);
        }
    }

    private static long answered(SteadyLoad load) {
        return load.sent().stream().filter(s -> s.answer().answered()).count();
    }

    /** The one REQUEST of the team's key on the usage topic (a replay may repeat it under the same event id). */
    private UsageEvent onlyRequest(String team) {
        Deserializer<UsageEvent> events = stack.topics().usage().valueSerde().deserializer();
        try (RawTopic usage = new RawTopic(stack.connection(), Topics.USAGE)) {
            return await().atMost(Duration.ofSeconds(60)).until(() -> {
                List<UsageEvent> requests = usage.records().stream()
                        .map(r -> events.deserialize(Topics.USAGE, r.value()))
                        .filter(e -> e.getApiKeyId().equals(FaultPolicy.keyId(team)) && e.getPhase() == Phase.REQUEST)
                        .toList();
                assertThat(requests.stream().map(UsageEvent::getEventId).distinct()).as("REQUESTs of %s", team)
                        .hasSizeLessThanOrEqualTo(1);
                return requests.isEmpty() ? null : requests.getFirst();
            }, r -> r != null);
        }
    }
}
