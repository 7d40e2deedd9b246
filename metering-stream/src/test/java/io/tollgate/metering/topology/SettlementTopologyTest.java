package io.tollgate.metering.topology;

import static io.tollgate.metering.topology.TopologyFixture.request;
import static io.tollgate.metering.topology.TopologyFixture.response;
import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.metering.calls.CallLog;
import io.tollgate.metering.calls.CallRecord;
import io.tollgate.schemas.avro.QuotaStatus;
import io.tollgate.schemas.avro.SpendTotal;
import io.tollgate.schemas.avro.UsageEvent;
import java.time.Duration;
import java.time.Instant;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Reservations always settle: ABANDONED after the settle-after time, late and orphan RESPONSEs, the call store. */
class SettlementTopologyTest {

    private static final Instant NOW = Instant.parse("2026-11-21T10:00:00Z");
    private static final String TEAM = "team:search@2026-11-21";
    private final TopologyFixture fx = new TopologyFixture(NOW);

    @AfterEach
    void close() {
        fx.close();
    }

    private final java.util.Map<String, SpendTotal> spend = new java.util.HashMap<>();

    /** The team's latest published total (reading the output topic drains it, so what was read is kept). */
    private SpendTotal team() {
        spend.putAll(TopologyFixture.latest(fx.spend));
        return spend.get(TEAM);
    }

    private CallRecord call(String apiKeyId, String callId) {
        WindowStore<String, CallRecord> store = fx.driver.getWindowStore(IngestTopology.CALLS_STORE);
        java.util.List<CallRecord> entries = new java.util.ArrayList<>();
        try (WindowStoreIterator<CallRecord> it = store.fetch(CallLog.key(apiKeyId, callId), 0, Long.MAX_VALUE)) {
            it.forEachRemaining(kv -> entries.add(kv.value));
        }
        return CallLog.fold(entries);
    }

    @Test
    void shouldSettleReservationAsAbandonedWhenNoResponseCameWithinTheSettleAfterTime() {
        // Given a REQUEST reserving 2530 micro-dollars whose gateway then crashed
        fx.send(request("c1", "k1", "gpt-4o", NOW, 1000, 2530));
        assertThat(team().getInFlightMicros()).isEqualTo(2530);

        // When 14 minutes pass, Then it is still in flight
        fx.advance(Duration.ofMinutes(14));
        fx.passEmitIntervals();
        assertThat(team().getInFlightMicros()).isEqualTo(2530);
        assertThat(call("k1", "c1").inFlight()).isTrue();

        // When the 15 minutes of metering.settle.after have passed
        fx.advance(Duration.ofMinutes(1).plusSeconds(30));
        fx.passEmitIntervals();

        // Then in flight closes, the reserved cost stays counted, and the settlement is visible
        SpendTotal team = team();
        assertThat(team.getInFlightMicros()).isZero();
        assertThat(team.getCostMicros()).isEqualTo(2530);
        assertThat(team.getRequests()).isEqualTo(1);
        assertThat(team.getAbandonedCalls()).isEqualTo(1);
        assertThat(team.getAbandonedMicros()).isEqualTo(2530);
        assertThat(spend.get("tenant:acme@2026-11").getInFlightMicros()).isZero();
        assertThat(fx.metrics.abandonedCount()).isEqualTo(1.0);
        CallRecord call = call("k1", "c1");
        assertThat(call.inFlight()).isFalse();
        assertThat(call.attempt(1).status()).isEqualTo(CallRecord.Status.ABANDONED);
        assertThat(call.costMicros()).isEqualTo(2530);
        // and the day's token and request totals keep the reservation
        QuotaStatus status = TopologyFixture.latest(fx.quotaStatus).get("k1|*");
        assertThat(status.getDayRequests()).isEqualTo(1);
        assertThat(status.getDayTokens()).isEqualTo(1000);
    }

    @Test
    void shouldApplyOnlyTheCorrectionWhenTheResponseArrivesAfterTheSettlement() {
        // Given a REQUEST settled as ABANDONED
        UsageEvent req = request("c1", "k1", "gpt-4o", NOW, 1000, 2530);
        fx.send(req);
        fx.advance(Duration.ofMinutes(16));
        fx.passEmitIntervals();

        // When its RESPONSE arrives after all (a stream longer than the settle-after time)
        fx.send(response(req, fx.now(), 800, 1800));

        // Then cost and tokens are the actual figures, in flight stays closed, and the request is counted once
        SpendTotal team = team();
        assertThat(team.getCostMicros()).isEqualTo(1800);
        assertThat(team.getInFlightMicros()).isZero();
        assertThat(team.getRequests()).isEqualTo(1);
        assertThat(team.getPromptTokens() + team.getCompletionTokens()).isEqualTo(800);
        assertThat(team.getAbandonedCalls()).isEqualTo(1);
        assertThat(TopologyFixture.latest(fx.quotaStatus).get("k1|*").getDayTokens()).isEqualTo(800);
        CallRecord call = call("k1", "c1");
        assertThat(call.attempt(1).status()).isEqualTo(CallRecord.Status.SUCCESS);
        assertThat(call.costMicros()).isEqualTo(1800);
        assertThat(call.reservedCostMicros()).isEqualTo(2530);
    }

    @Test
    void shouldCountActualsAndLeaveInFlightAloneWhenAResponseHasNoRequest() {
        // Given a RESPONSE whose REQUEST was never seen
        UsageEvent req = request("c1", "k1", "gpt-4o", NOW, 1000, 920);
        fx.send(response(req, NOW.plusSeconds(2), 600, 700));

        // Then it counts one request at its actual figures and is never in flight
        SpendTotal team = team();
        assertThat(team.getRequests()).isEqualTo(1);
        assertThat(team.getCostMicros()).isEqualTo(700);
        assertThat(team.getInFlightMicros()).isZero();
        assertThat(team.getOrphanResponses()).isEqualTo(1);
        assertThat(team.getPromptTokens() + team.getCompletionTokens()).isEqualTo(600);
        QuotaStatus status = TopologyFixture.latest(fx.quotaStatus).get("k1|*");
        assertThat(status.getDayRequests()).isEqualTo(1);
        assertThat(status.getDayTokens()).isEqualTo(600);
        assertThat(fx.metrics.orphanCount()).isEqualTo(1.0);

        // When the REQUEST arrives after all
        fx.send(req);

        // Then it adds nothing: the RESPONSE counted the attempt in full
        team = team();
        assertThat(team.getRequests()).isEqualTo(1);
        assertThat(team.getCostMicros()).isEqualTo(700);
        assertThat(team.getInFlightMicros()).isZero();
        assertThat(fx.quotaStatus.isEmpty()).isTrue();
        assertThat(fx.<io.tollgate.metering.daily.DayTotals>store(DailyQuotaTopology.DAILY_STORE).get("k1|*@2026-11-21")
                .tokens()).isEqualTo(600);
        assertThat(call("k1", "c1").attempt(1).status()).isEqualTo(CallRecord.Status.SUCCESS);

        // and nothing settles later
        fx.advance(Duration.ofMinutes(20));
        fx.passEmitIntervals();
        assertThat(team().getAbandonedCalls()).isZero();
    }

    @Test
    void shouldKeepEveryAttemptOfACallWithTheFiguresThatCountForIt() {
        // Given a call whose first attempt failed and whose second is still running
        UsageEvent first = request("c1", "k1", "gpt-4o", NOW, 1000, 100);
        fx.send(first);
        fx.send(UsageEvent.newBuilder(response(first, NOW.plusSeconds(1), 0, 0))
                .setStatus(io.tollgate.schemas.avro.CallStatus.ERROR)
                .setErrorKind(io.tollgate.schemas.avro.ErrorKind.UPSTREAM_5XX).build());
        UsageEvent second = UsageEvent.newBuilder(request("c1", "k1", "mini", NOW.plusSeconds(2), 400, 40))
                .setAttempt(2).build();
        fx.send(second);

        // Then the call store holds both: the error at its actual figures (nothing), the second at its reservation
        CallRecord call = call("k1", "c1");
        assertThat(call.attempts()).hasSize(2);
        assertThat(call.attempt(1).status()).isEqualTo(CallRecord.Status.ERROR);
        assertThat(call.attempt(1).countedCostMicros()).isZero();
        assertThat(call.attempt(2).status()).isEqualTo(CallRecord.Status.ADMITTED);
        assertThat(call.attempt(2).countedCostMicros()).isEqualTo(40);
        assertThat(call.attempt(2).model()).isEqualTo("mini");
        assertThat(call.costMicros()).isEqualTo(40);
        assertThat(call.reservedCostMicros()).isEqualTo(140);
        assertThat(call.inFlight()).isTrue();
        assertThat(call("k2", "c1")).isNull();
    }
}
