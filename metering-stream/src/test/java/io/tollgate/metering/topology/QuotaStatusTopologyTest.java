package io.tollgate.metering.topology;

import static io.tollgate.metering.topology.TopologyFixture.request;
import static io.tollgate.metering.topology.TopologyFixture.response;
import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.schemas.avro.QuotaStatus;
import io.tollgate.schemas.avro.UsageBucket;
import io.tollgate.schemas.avro.UsageEvent;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.streams.KeyValue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class QuotaStatusTopologyTest {

    private static final Instant T0 = Instant.parse("2026-11-21T10:00:00Z");
    private final TopologyFixture fx = new TopologyFixture();

    @AfterEach
    void close() {
        fx.close();
    }

    @Test
    void shouldEmitKeyModelAndKeyAllStatusWhenEachEventIsCounted() {
        UsageEvent req = request("c1", "k1", "gpt-4o", T0.plusMillis(250), 1000, 10);
        fx.send(req);
        fx.send(response(req, T0.plusMillis(2100), 300, 5));

        List<KeyValue<String, QuotaStatus>> out = fx.quotaStatus.readKeyValuesToList();
        assertThat(out).extracting(kv -> kv.key).containsExactly("k1|gpt-4o", "k1|*", "k1|gpt-4o", "k1|*");
        QuotaStatus last = out.get(3).value;
        assertThat(last.getModel()).isEqualTo("*");
        assertThat(last.getBucketMillis()).isEqualTo(1000);
        assertThat(last.getBuckets()).containsExactly(new UsageBucket(T0.toEpochMilli(), 1L, 1000L),
                new UsageBucket(T0.toEpochMilli() + 2000, 0L, -700L));
        assertThat(last.getDayKey()).isEqualTo("2026-11-21");
        assertThat(last.getDayRequests()).isEqualTo(1);
        assertThat(last.getDayTokens()).isEqualTo(300);
        assertThat(last.getDayEndMillis() - last.getDayStartMillis()).isEqualTo(86_400_000L);
        assertThat(last.getLastEventTime()).isEqualTo(T0.toEpochMilli() + 2100);
    }

    @Test
    void shouldNameTheUsageOffsetOfTheLastCountedEventWhenEmitting() {
        // Given a request, a duplicate of it (not counted, no status) and its response
        UsageEvent req = request("c1", "k1", "m", T0, 100, 10);
        fx.send(req);
        fx.send(req);
        fx.send(response(req, T0.plusMillis(500), 80, 5));

        // Then each status says up to which usage offset it counts: the gateway's read-your-writes check
        List<KeyValue<String, QuotaStatus>> out = fx.quotaStatus.readKeyValuesToList();
        assertThat(out).extracting(kv -> kv.value.getUsageOffset()).containsExactly(0L, 0L, 2L, 2L);
        assertThat(out).extracting(kv -> kv.value.getUsagePartition()).containsOnly(0);
    }

    @Test
    void shouldPublishOnlyTrailing65SecondsWhenOlderBucketsRemain() {
        fx.send(request("c1", "k1", "m", T0, 1, 1));
        fx.send(request("c2", "k1", "m", T0.plusSeconds(1), 2, 1));
        fx.send(request("c3", "k1", "m", T0.plusSeconds(65), 4, 1));

        QuotaStatus last = TopologyFixture.latest(fx.quotaStatus).get("k1|m");
        // T0 is exactly 65 s before the partition's event time: outside (t - 65 s, t]; T0 + 1 s is inside
        assertThat(last.getBuckets()).extracting(UsageBucket::getStartMillis)
                .containsExactly(T0.toEpochMilli() + 1_000, T0.toEpochMilli() + 65_000);
        assertThat(last.getDayTokens()).isEqualTo(7);
    }

    @Test
    void shouldPublishTheChangedKeysStatusesAtTheCommitWithoutWaitingForWallClockWhenModeIsPerCommit() {
        // Given events piped without letting wall-clock time pass (no punctuation runs)
        for (int i = 0; i < 3; i++) {
            fx.pipe(request("c" + i, "k1", "m", T0.plusMillis(100L * i), 10, 1));
        }

        // Then the driver's commit after each record published the latest status of both keys it changed
        List<KeyValue<String, QuotaStatus>> out = fx.quotaStatus.readKeyValuesToList();
        assertThat(out).extracting(kv -> kv.key).containsExactly("k1|m", "k1|*", "k1|m", "k1|*", "k1|m", "k1|*");
        assertThat(out).extracting(kv -> kv.value.getUsageOffset()).containsExactly(0L, 0L, 1L, 1L, 2L, 2L);
        QuotaStatus all = out.get(5).value;
        assertThat(all.getDayRequests()).isEqualTo(3);
        assertThat(all.getBuckets()).containsExactly(new UsageBucket(T0.toEpochMilli(), 3L, 30L));
    }

    @Test
    void shouldStampTheStatusNoLaterThanNowWhenTheEventIsAheadOfTheClock() {
        // Given an event a little ahead of the topology's clock (12:00), within the future skew it accepts
        Instant ahead = Instant.parse("2026-11-21T12:00:01Z");
        fx.pipe(request("c1", "k1", "m", ahead, 10, 1));

        // Then its status is stamped with the clock, never ahead of it
        List<org.apache.kafka.streams.test.TestRecord<String, QuotaStatus>> out = fx.quotaStatus.readRecordsToList();
        assertThat(out).isNotEmpty();
        assertThat(out).allSatisfy(r -> assertThat(r.getRecordTime()).isBeforeOrEqualTo(Instant.parse("2026-11-21T12:00:00Z")));
    }

    @Test
    void shouldForwardAStatusForEveryCountedEventWhenModeIsEveryEvent() {
        try (TopologyFixture everyEvent = new TopologyFixture(java.time.ZoneOffset.UTC, 0, java.time.Duration.ofSeconds(10), false)) {
            UsageEvent req = request("c1", "k1", "m", T0, 100, 10);
            everyEvent.pipe(req);
            everyEvent.pipe(req);
            everyEvent.pipe(response(req, T0.plusMillis(500), 80, 5));

            List<KeyValue<String, QuotaStatus>> out = everyEvent.quotaStatus.readKeyValuesToList();
            assertThat(out).extracting(kv -> kv.key).containsExactly("k1|m", "k1|*", "k1|m", "k1|*");
            assertThat(out).extracting(kv -> kv.value.getUsageOffset()).containsExactly(0L, 0L, 2L, 2L);
            assertThat(out.get(3).value.getDayTokens()).isEqualTo(80);
        }
    }

    @Test
    void shouldOmitBucketWhenCorrectionCancelsIt() {
        UsageEvent req = request("c1", "k1", "m", T0, 100, 10);
        fx.send(req);
        fx.send(request("c2", "k1", "m", T0.plusMillis(1500), 1, 1));
        // a response in the first bucket that returns every reserved token: tokens 0 but 1 request stays
        fx.send(response(req, T0.plusMillis(900), 0, 0));

        QuotaStatus last = TopologyFixture.latest(fx.quotaStatus).get("k1|m");
        assertThat(last.getBuckets()).containsExactly(new UsageBucket(T0.toEpochMilli(), 1L, 0L),
                new UsageBucket(T0.toEpochMilli() + 1000, 1L, 1L));
    }

    @Test
    void shouldShowTheStreamTimesDayWhenAResponseSettlesOnItsRequestsDay() {
        // Given a call reserved just before midnight and another call just after it
        Instant midnight = Instant.parse("2026-11-22T00:00:00Z");
        UsageEvent late = request("c1", "k1", "m", midnight.minusSeconds(1), 100, 1);
        fx.send(late);
        fx.send(request("c2", "k1", "m", midnight.plusSeconds(1), 7, 1));

        // When the first call's RESPONSE settles on the day it reserved (a correction of -60 tokens)
        fx.send(response(late, midnight.plusSeconds(2), 40, 1));

        // Then the status after it still shows the new day (the stream time's), untouched by the correction
        java.util.Map<String, QuotaStatus> latest = TopologyFixture.latest(fx.quotaStatus);
        QuotaStatus last = latest.get("k1|*");
        assertThat(last.getDayKey()).isEqualTo("2026-11-22");
        assertThat(last.getDayRequests()).isEqualTo(1);
        assertThat(last.getDayTokens()).isEqualTo(7);
        assertThat(latest.get("k1|m").getDayTokens()).isEqualTo(7);
    }
}
