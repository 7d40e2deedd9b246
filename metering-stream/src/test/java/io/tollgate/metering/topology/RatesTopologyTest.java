package io.tollgate.metering.topology;

import static io.tollgate.metering.topology.TopologyFixture.request;
import static io.tollgate.metering.topology.TopologyFixture.response;
import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.metering.rates.Buckets;
import io.tollgate.metering.rates.RateWindow;
import io.tollgate.schemas.avro.UsageEvent;
import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RatesTopologyTest {

    private static final Instant T0 = Instant.parse("2026-11-21T10:00:00Z");
    private final TopologyFixture fx = new TopologyFixture();

    @AfterEach
    void close() {
        fx.close();
    }

    private Buckets buckets(String key) {
        return fx.<Buckets>store(RatesTopology.RATES_STORE).get(key);
    }

    @Test
    void shouldCountEventForAFullMinuteAfterItsBucketButNotOnceBucketAndMinuteHavePassed() {
        // Given one request at T0 + 0.999 s (the end of its bucket)
        fx.send(request("c1", "k1", "gpt-4o", T0.plusMillis(999), 100, 10));

        // Then the trailing minute holds it a full minute later (60.999 s after its bucket began) and not at 61 s
        Buckets b = buckets("k1|gpt-4o");
        RateWindow.Usage atMinute = RateWindow.usage(b, T0.toEpochMilli() + 60_999);
        RateWindow.Usage after = RateWindow.usage(b, T0.toEpochMilli() + 61_000);
        assertThat(atMinute.requests()).isEqualTo(1);
        assertThat(atMinute.tokens()).isEqualTo(100);
        assertThat(after.requests()).isZero();
        assertThat(after.tokens()).isZero();
    }

    @Test
    void shouldNotDoubleLimitWhenRequestsStraddleMinuteBoundary() {
        // Given 3 requests late in one calendar minute and 3 early in the next
        for (int i = 0; i < 3; i++) {
            fx.send(request("a" + i, "k1", "gpt-4o", T0.plusSeconds(57 + i), 10, 1));
            fx.send(request("b" + i, "k1", "gpt-4o", T0.plusSeconds(60 + i), 10, 1));
        }

        // Then a trailing minute at 62.5 s sees all six, unlike two fixed minutes of three each
        assertThat(RateWindow.usage(buckets("k1|*"), T0.toEpochMilli() + 62_500).requests()).isEqualTo(6);
    }

    @Test
    void shouldSubtractTokensWhenResponseUsedLessThanReserved() {
        // Given a reservation of 1000 tokens settled at 300
        UsageEvent req = request("c1", "k1", "gpt-4o", T0, 1000, 50);
        fx.send(req);
        fx.send(response(req, T0.plusSeconds(2), 300, 20));

        // Then the reservation bucket keeps +1000, the settlement bucket holds -700, the minute sums to 300
        Buckets b = buckets("k1|gpt-4o");
        assertThat(b.buckets()).containsExactly(new Buckets.Bucket(T0.toEpochMilli(), 1, 1000),
                new Buckets.Bucket(T0.toEpochMilli() + 2000, 0, -700));
        RateWindow.Usage usage = RateWindow.usage(b, T0.toEpochMilli() + 3000);
        assertThat(usage.requests()).isEqualTo(1);
        assertThat(usage.tokens()).isEqualTo(300);
    }

    @Test
    void shouldSumModelsWhenKeyIsQueriedAcrossModels() {
        fx.send(request("c1", "k1", "gpt-4o", T0, 100, 10));
        fx.send(request("c2", "k1", "claude", T0.plusMillis(300), 40, 10));
        fx.send(request("c3", "k2", "claude", T0.plusMillis(600), 7, 10));

        long now = T0.toEpochMilli() + 1000;
        assertThat(RateWindow.usage(buckets("k1|gpt-4o"), now).tokens()).isEqualTo(100);
        assertThat(RateWindow.usage(buckets("k1|claude"), now).tokens()).isEqualTo(40);
        assertThat(RateWindow.usage(buckets("k1|*"), now).tokens()).isEqualTo(140);
        assertThat(RateWindow.usage(buckets("k1|*"), now).requests()).isEqualTo(2);
        assertThat(RateWindow.usage(buckets("k2|*"), now).tokens()).isEqualTo(7);
    }

    @Test
    void shouldDropBucketsWhenTheyAreOlderThanStatusSpanPlusGrace() {
        fx.send(request("c1", "k1", "gpt-4o", T0, 100, 10));
        fx.send(request("c2", "k1", "gpt-4o", T0.plusSeconds(130), 5, 1)); // 120 s span + 10 s grace

        assertThat(buckets("k1|gpt-4o").buckets()).extracting(Buckets.Bucket::startMillis)
                .containsExactly(T0.toEpochMilli() + 130_000);
    }

    @Test
    void shouldPutLateEventInItsOwnBucketWhenWithinGrace() {
        fx.send(request("c1", "k1", "gpt-4o", T0.plusSeconds(5), 100, 10));
        fx.send(request("c2", "k1", "gpt-4o", T0, 1, 1));

        assertThat(buckets("k1|gpt-4o").buckets()).extracting(Buckets.Bucket::startMillis)
                .containsExactly(T0.toEpochMilli(), T0.toEpochMilli() + 5000);
    }
}
