package io.tollgate.metering.topology;

import static io.tollgate.metering.topology.TopologyFixture.request;
import static io.tollgate.metering.topology.TopologyFixture.response;
import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.metering.rates.Buckets;
import io.tollgate.schemas.avro.QuotaStatus;
import io.tollgate.schemas.avro.SpendTotal;
import io.tollgate.schemas.avro.UsageEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The event-time rule (TimeRule) through the whole topology: clamping, output timestamps, late periods. */
class TimeRuleTopologyTest {

    private static final Instant NOW = Instant.parse("2026-11-21T10:00:00Z");
    private final TopologyFixture fx = new TopologyFixture(NOW);

    @AfterEach
    void close() {
        fx.close();
    }

    @Test
    void shouldCountEventAtIngestTimeWhenItIsDatedTwoHoursAhead() {
        // Given a REQUEST dated two hours after the stream clock (a gateway whose clock runs fast)
        fx.send(request("c1", "k1", "gpt-4o", NOW.plus(Duration.ofHours(2)), 100, 10));

        // Then it is counted at its ingest time: in today's totals, in the bucket of now, flagged as clamped
        long ingest = NOW.toEpochMilli();
        QuotaStatus status = TopologyFixture.latest(fx.quotaStatus).get("k1|*");
        assertThat(status.getDayTokens()).isEqualTo(100);
        assertThat(fx.<Buckets>store(RatesTopology.RATES_STORE).get("k1|*").startMillis(0)).isEqualTo(ingest);
        assertThat(status.getLastEventTime()).isEqualTo(ingest);
        assertThat(fx.metrics.clampedCount()).isEqualTo(1.0);
        SpendTotal team = TopologyFixture.latest(fx.spend).get("team:search@2026-11-21");
        assertThat(team.getClampedEvents()).isEqualTo(1);
        assertThat(team.getCostMicros()).isEqualTo(10);
        assertThat(fx.deadLetters.isEmpty()).isTrue();
    }

    @Test
    void shouldStampNoOutputLaterThanTheWallClockWhenEventsAreDatedAhead() {
        // Given a call dated 4 minutes ahead (believed: within the 5-minute skew) and one 2 hours ahead (clamped)
        UsageEvent ahead = request("c1", "k1", "gpt-4o", NOW.plus(Duration.ofMinutes(4)), 100, 10);
        fx.send(ahead);
        fx.send(response(ahead, NOW.plus(Duration.ofMinutes(4)).plusSeconds(1), 80, 8));
        fx.send(request("c2", "k1", "gpt-4o", NOW.plus(Duration.ofHours(2)), 100, 10));

        // Then every record written carries a timestamp no later than the wall clock at the time
        long latest = fx.now().toEpochMilli();
        List<Long> stamps = new java.util.ArrayList<>();
        fx.quotaStatus.readRecordsToList().forEach(r -> stamps.add(r.timestamp()));
        fx.spend.readRecordsToList().forEach(r -> stamps.add(r.timestamp()));
        fx.health.readRecordsToList().forEach(r -> stamps.add(r.timestamp()));
        assertThat(stamps).isNotEmpty().allSatisfy(t -> assertThat(t).isLessThanOrEqualTo(latest));
        // and the believed event keeps its own time where it is counted
        assertThat(fx.<Buckets>store(RatesTopology.RATES_STORE).get("k1|gpt-4o").buckets())
                .extracting(Buckets.Bucket::startMillis).contains(NOW.plus(Duration.ofMinutes(4)).toEpochMilli());
    }

    @Test
    void shouldNotMoveThePartitionClockPastTheWallClockWhenAnEventIsDatedAhead() {
        // Given an event 50 minutes ahead, then 30 calls at the real time
        fx.send(request("c0", "k1", "gpt-4o", NOW.plus(Duration.ofMinutes(50)), 1, 1));
        for (int i = 1; i <= 30; i++) {
            fx.send(request("c" + i, "k1", "gpt-4o", fx.now(), 10, 1));
        }

        // Then all 31 are counted, and the status window ends at the wall clock, so the 30 show per minute
        QuotaStatus status = TopologyFixture.latest(fx.quotaStatus).get("k1|*");
        assertThat(status.getDayRequests()).isEqualTo(31);
        assertThat(status.getLastEventTime()).isLessThanOrEqualTo(fx.now().toEpochMilli());
        long inBuckets = status.getBuckets().stream().mapToLong(b -> b.getRequests()).sum();
        assertThat(inBuckets).isEqualTo(31);
        assertThat(fx.<Long>store(IngestTopology.CLOCK_STORE).all()).toIterable()
                .allSatisfy(kv -> assertThat(kv.value).isLessThanOrEqualTo(fx.now().toEpochMilli()));
    }

    @Test
    void shouldCountEventInTheCurrentPeriodWhenItsOwnDayIsNoLongerKept() {
        // Given an event of today, then one of a day that ended more than the 40-day period retention ago
        fx.send(request("c0", "k1", "gpt-4o", NOW, 1, 1));
        fx.send(request("c1", "k1", "gpt-4o", NOW.minus(Duration.ofDays(45)), 100, 10));

        // Then it is counted today, with the reason recorded
        Map<String, SpendTotal> spend = TopologyFixture.latest(fx.spend);
        assertThat(spend).containsKey("team:search@2026-11-21").doesNotContainKey("team:search@2026-10-07");
        assertThat(spend.get("team:search@2026-11-21").getCostMicros()).isEqualTo(11);
        assertThat(spend.get("team:search@2026-11-21").getLateReassigned()).isEqualTo(1);
        assertThat(TopologyFixture.latest(fx.quotaStatus).get("k1|*").getDayTokens()).isEqualTo(101);
        assertThat(fx.metrics.reassignedCount()).isEqualTo(1.0);
    }

    @Test
    void shouldCountLateEventInItsOwnDayWhileThatDayIsKept() {
        // Given an event of yesterday, arriving today (a gateway replaying its spool)
        fx.send(request("c1", "k1", "gpt-4o", NOW.minus(Duration.ofDays(1)), 100, 10));

        // Then it counts in yesterday, and nothing is dead-lettered or reassigned
        SpendTotal yesterday = TopologyFixture.latest(fx.spend).get("team:search@2026-11-20");
        assertThat(yesterday.getCostMicros()).isEqualTo(10);
        assertThat(yesterday.getLateReassigned()).isZero();
        assertThat(fx.deadLetters.isEmpty()).isTrue();
    }

    @Test
    void shouldStampDeadLettersNoLaterThanTheWallClockWhenTheRecordIsDatedAhead() {
        // Given an implausible record whose own timestamp is an hour ahead
        UsageEvent bad = UsageEvent.newBuilder(request("c1", "k1", "gpt-4o", NOW, 100, 10))
                .setCostMicros(Long.MAX_VALUE).build();
        fx.usage.pipeInput(new TestRecord<>("k1", bad, NOW.plus(Duration.ofHours(1))));

        // Then it is dead-lettered with a timestamp of now
        TestRecord<byte[], byte[]> dead = fx.deadLetters.readRecord();
        assertThat(dead.timestamp()).isEqualTo(NOW.toEpochMilli());
    }
}
