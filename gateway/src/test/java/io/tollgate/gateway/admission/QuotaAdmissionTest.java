package io.tollgate.gateway.admission;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.gateway.routing.Caller;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class QuotaAdmissionTest {

    private static final String KEY = "k-1";
    private static final String MODEL = "sim-large";
    private static final Caller CALLER = new Caller(KEY, "acme", "research", "planner", "test", null);
    private static final long DAY_END = 86_400_000L;

    private final QuotaView view = new QuotaView();
    private final LimitResolver limits = new LimitResolver();

    private QuotaAdmission admission(RateLimits perModel, RateLimits across) {
        return admission(perModel, across, QuotaAdmission.Settings.defaults());
    }

    private QuotaAdmission admission(RateLimits perModel, RateLimits across, QuotaAdmission.Settings settings) {
        limits.putTier("test", Map.of(MODEL, perModel, "*", across));
        return new QuotaAdmission(view, limits, settings);
    }

    private static RateLimits rpm(long rpm) {
        return new RateLimits(rpm, null, null, null);
    }

    @Test
    void shouldWaitUntilOldestBucketLeavesWindowWhenOwnReservationsFillRpm() {
        // Given rpm 3 and three admissions in the second starting at 10 000
        QuotaAdmission admission = admission(rpm(3), RateLimits.NONE);
        for (int i = 0; i < 3; i++) {
            assertThat(admission.tryAdmit(CALLER, MODEL, 10, 10_100 + i)).isInstanceOf(AdmissionDecision.Admitted.class);
        }

        // When a fourth comes at 12 000
        AdmissionDecision decision = admission.tryAdmit(CALLER, MODEL, 10, 12_000);

        // Then it waits until the bucket [10 000, 11 000) has left the 60 s window: 71 000 - 12 000
        assertThat(decision).isEqualTo(new AdmissionDecision.Wait(59_000, "rpm key=k-1 model=sim-large 3"));
    }

    @Test
    void shouldCountViewBucketUntilItsEndLeavesWindowWhenAtWindowEdge() {
        // Given the view shows 3 requests in the bucket [0, 1000) and rpm 3
        QuotaStatuses.of(KEY, MODEL).bucket(0, 3, 30).updatedAt(60_000).applyTo(view);
        QuotaAdmission admission = admission(rpm(3), RateLimits.NONE);

        // Then one millisecond before the bucket's end leaves the window the call waits exactly that
        assertThat(admission.tryAdmit(CALLER, MODEL, 1, 60_999)).isEqualTo(
                new AdmissionDecision.Wait(1, "rpm key=k-1 model=sim-large 3"));
        // and at 61 000 (a full window after the bucket's last possible request) it is admitted
        assertThat(admission.tryAdmit(CALLER, MODEL, 1, 61_000)).isInstanceOf(AdmissionDecision.Admitted.class);
    }

    @Test
    void shouldWaitForAsManyOldBucketsAsTheExcessNeedsWhenSeveralCalls() {
        // Given buckets of 2, 1 and 2 requests and rpm 5
        QuotaStatuses.of(KEY, MODEL).bucket(1_000, 2, 0).bucket(2_000, 1, 0).bucket(3_000, 2, 0).updatedAt(4_000)
                .applyTo(view);
        QuotaAdmission admission = admission(rpm(5), RateLimits.NONE);

        // Then the next call waits for the oldest bucket only
        assertThat(admission.tryAdmit(CALLER, MODEL, 0, 10_000))
                .isEqualTo(new AdmissionDecision.Wait(52_000, "rpm key=k-1 model=sim-large 5"));
    }

    @Test
    void shouldWaitForEnoughOldTokensWhenTokenLimitHit() {
        // Given tokens 500, 300, 200 in the window and tpm 1000
        QuotaStatuses.of(KEY, MODEL).bucket(0, 1, 500).bucket(1_000, 1, 300).bucket(2_000, 1, 200).updatedAt(5_000)
                .applyTo(view);
        QuotaAdmission admission = admission(new RateLimits(null, 1_000L, null, null), RateLimits.NONE);

        // When 300 tokens are asked for, 300 must leave: the first bucket (500) is enough
        assertThat(admission.tryAdmit(CALLER, MODEL, 300, 5_000)).isEqualTo(
                new AdmissionDecision.Wait(56_000, "tpm key=k-1 model=sim-large 1000"));
        // When 600 are asked for, the first two buckets must leave
        assertThat(admission.tryAdmit(CALLER, MODEL, 600, 5_000)).isEqualTo(
                new AdmissionDecision.Wait(57_000, "tpm key=k-1 model=sim-large 1000"));
    }

    @Test
    void shouldNotCountOwnReservationTwiceWhenViewShowsIt() {
        // Given rpm 3, two own admissions at 1 000, and a reflection bound of 500 ms
        QuotaAdmission admission = admission(rpm(3), RateLimits.NONE,
                QuotaAdmission.Settings.defaults().withReflectionBound(500));
        admission.tryAdmit(CALLER, MODEL, 10, 1_000);
        admission.tryAdmit(CALLER, MODEL, 10, 1_001);

        // When the view shows those two in their bucket
        QuotaStatuses.of(KEY, MODEL).bucket(1_000, 2, 20).updatedAt(2_500).applyTo(view);

        // Then exactly one more fits: 2 counted, not 4
        assertThat(admission.tryAdmit(CALLER, MODEL, 10, 3_000)).isInstanceOf(AdmissionDecision.Admitted.class);
        assertThat(admission.tryAdmit(CALLER, MODEL, 10, 3_001)).isInstanceOf(AdmissionDecision.Wait.class);
    }

    @Test
    void shouldCountOwnReservationOnTopOfViewWhileYoungerThanReflectionBound() {
        // Given the view shows 2 requests of another gateway in the bucket [1000, 2000), rpm 4
        QuotaStatuses.of(KEY, MODEL).bucket(1_000, 2, 0).updatedAt(1_100).applyTo(view);
        QuotaAdmission admission = admission(rpm(4), RateLimits.NONE,
                QuotaAdmission.Settings.defaults().withReflectionBound(2_000));

        // When this gateway admits one in the same second
        assertThat(admission.tryAdmit(CALLER, MODEL, 0, 1_200)).isInstanceOf(AdmissionDecision.Admitted.class);

        // Then the count is 2 + 1 (the view cannot show it yet): one more fits, then wait
        assertThat(admission.tryAdmit(CALLER, MODEL, 0, 1_300)).isInstanceOf(AdmissionDecision.Admitted.class);
        assertThat(admission.tryAdmit(CALLER, MODEL, 0, 1_400)).isInstanceOf(AdmissionDecision.Wait.class);
    }

    @Test
    void shouldKeepOwnReservationsCountedWhenViewLagsBeyondReflectionBound() {
        // Given rpm 2 with both admitted by this gateway and a view that never shows them
        QuotaAdmission admission = admission(rpm(2), RateLimits.NONE,
                QuotaAdmission.Settings.defaults().withReflectionBound(100));
        admission.tryAdmit(CALLER, MODEL, 0, 1_000);
        admission.tryAdmit(CALLER, MODEL, 0, 1_001);

        // Then long after the reflection bound they still count: max(view 0, own 2)
        assertThat(admission.tryAdmit(CALLER, MODEL, 0, 30_000)).isInstanceOf(AdmissionDecision.Wait.class);
    }

    @Test
    void shouldCountOwnAdmissionsUntilTheViewReachesTheirOffsetWhenAnotherGatewaysLaterEventCameFirst() {
        // Given rpm 4, two admissions here at 1 000 that Kafka wrote at offsets 10 and 11
        QuotaAdmission admission = admission(rpm(4), RateLimits.NONE);
        for (int i = 0; i < 2; i++) {
            AdmissionDecision.Admitted a = (AdmissionDecision.Admitted) admission.tryAdmit(CALLER, MODEL, 0, 1_000 + i);
            admission.written(a.reservation(), 0, 10 + i);
        }

        // When the view shows two calls of another gateway in that second, stamped later than ours (its
        // events at offsets 8 and 9 reached Kafka first), counted up to offset 9
        QuotaStatuses.of(KEY, MODEL).bucket(1_000, 2, 0).updatedAt(1_500).counted(0, 9).applyTo(view);

        // Then ours still count on top of them: 4 of 4, nothing more fits
        assertThat(admission.tryAdmit(CALLER, MODEL, 0, 1_600)).isInstanceOf(AdmissionDecision.Wait.class);

        // ... and once the view has counted up to offset 11 (all four), it is 4, not 6
        QuotaStatuses.of(KEY, MODEL).bucket(1_000, 4, 0).updatedAt(1_700).counted(0, 11).applyTo(view);
        assertThat(admission.tryAdmit(CALLER, MODEL, 0, 1_800)).isInstanceOf(AdmissionDecision.Wait.class);
        QuotaAdmission roomier = admission(rpm(5), RateLimits.NONE);
        AdmissionDecision.Admitted mine = (AdmissionDecision.Admitted) roomier.tryAdmit(CALLER, MODEL, 0, 1_000);
        roomier.written(mine.reservation(), 0, 10);
        assertThat(roomier.tryAdmit(CALLER, MODEL, 0, 1_900)).isInstanceOf(AdmissionDecision.Admitted.class);
    }

    @Test
    void shouldEstimateFromEventTimeWhenTheViewNamesNoOffset() {
        // Given the same two admissions and a view from a metering-stream that does not say its offset
        QuotaAdmission admission = admission(rpm(4), RateLimits.NONE);
        admission.tryAdmit(CALLER, MODEL, 0, 1_000);
        admission.tryAdmit(CALLER, MODEL, 0, 1_001);
        QuotaStatuses.of(KEY, MODEL).bucket(1_000, 2, 0).updatedAt(1_500).applyTo(view);

        // Then the estimate takes "an event later than ours was processed" for "ours were": max(2, 2) = 2.
        // This is the over-admission offsets remove (the test above); kept for views without them
        assertThat(admission.tryAdmit(CALLER, MODEL, 0, 1_600)).isInstanceOf(AdmissionDecision.Admitted.class);
    }

    @Test
    void shouldCountAnAdmissionUntilKafkaAcknowledgesItWhenTheViewNamesOffsets() {
        // Given rpm 2, one admission whose event Kafka has not acknowledged yet, long ago
        QuotaAdmission admission = admission(rpm(2), RateLimits.NONE,
                QuotaAdmission.Settings.defaults().withReflectionBound(100));
        AdmissionDecision.Admitted a = (AdmissionDecision.Admitted) admission.tryAdmit(CALLER, MODEL, 0, 1_000);

        // When the view shows one call of another gateway in that second, counted up to offset 50
        QuotaStatuses.of(KEY, MODEL).bucket(1_000, 1, 0).updatedAt(1_100).counted(0, 50).applyTo(view);

        // Then far beyond the reflection bound it is still 1 + 1, an exact count, so the wait is not for the
        // view but for the bucket [1 000, 2 000) to leave the window at 62 000
        AdmissionDecision waiting = admission.tryAdmit(CALLER, MODEL, 0, 5_000);
        assertThat(waiting).isEqualTo(new AdmissionDecision.Wait(57_000, "rpm key=k-1 model=sim-large 2"));

        // When it turns out no event will be written (the attempt never went upstream), the view's 1 and the
        // own 1 are no longer added up
        admission.written(a.reservation(), -1, -1);
        QuotaStatuses.of(KEY, MODEL).bucket(1_000, 1, 0).updatedAt(5_100).counted(0, 51).applyTo(view);
        assertThat(admission.tryAdmit(CALLER, MODEL, 0, 5_200)).isInstanceOf(AdmissionDecision.Admitted.class);
    }

    @Test
    void shouldCheckAcrossModelsLimitWhenEachModelHasRoom() {
        // Given rpm 10 per model and 2 across models
        QuotaAdmission admission = admission(rpm(10), rpm(2));
        admission.tryAdmit(CALLER, MODEL, 0, 1_000);
        admission.tryAdmit(CALLER, "sim-small", 0, 1_000);

        AdmissionDecision decision = admission.tryAdmit(CALLER, "sim-medium", 0, 1_500);

        assertThat(decision).isEqualTo(new AdmissionDecision.Wait(60_500, "rpm key=k-1 model=* 2"));
    }

    @Test
    void shouldRefuseWithRetryAfterEndOfDayWhenDailyRequestsUsed() {
        // Given 500 requests today in the view and rpd 500
        QuotaStatuses.of(KEY, "*").day(0, DAY_END, 500, 9_000).updatedAt(40_000_000).applyTo(view);
        QuotaAdmission admission = admission(RateLimits.NONE, new RateLimits(200L, null, 500L, null));

        AdmissionDecision decision = admission.tryAdmit(CALLER, MODEL, 0, 40_000_000);

        assertThat(decision).isEqualTo(new AdmissionDecision.Refused("rpd key=k-1 model=* 500", DAY_END - 40_000_000,
                429, "daily request quota of 500 used (500 today)"));
    }

    @Test
    void shouldRefuseWhenDailyTokensWouldBeExceeded() {
        QuotaStatuses.of(KEY, "*").day(0, DAY_END, 3, 900).updatedAt(1_000).applyTo(view);
        QuotaAdmission admission = admission(RateLimits.NONE, new RateLimits(null, null, null, 1_000L));

        assertThat(admission.tryAdmit(CALLER, MODEL, 100, 2_000)).isInstanceOf(AdmissionDecision.Admitted.class);
        assertThat(admission.tryAdmit(CALLER, MODEL, 1, 2_000)).isInstanceOf(AdmissionDecision.Refused.class);
    }

    @Test
    void shouldIgnoreViewDayTotalsWhenTheirDayIsOver() {
        // Given yesterday's totals at the quota
        QuotaStatuses.of(KEY, "*").day(0, DAY_END, 500, 0).updatedAt(DAY_END - 1).applyTo(view);
        QuotaAdmission admission = admission(RateLimits.NONE, new RateLimits(null, null, 500L, null));

        // Then a call on the next day (UTC) is admitted
        assertThat(admission.tryAdmit(CALLER, MODEL, 0, DAY_END + 5)).isInstanceOf(AdmissionDecision.Admitted.class);
    }

    @Test
    void shouldRefuseWhenCallNeedsMoreTokensThanTheMinuteAllows() {
        QuotaAdmission admission = admission(new RateLimits(null, 1_000L, null, null), RateLimits.NONE);

        AdmissionDecision decision = admission.tryAdmit(CALLER, MODEL, 1_001, 0);

        assertThat(decision).isInstanceOf(AdmissionDecision.Refused.class);
        assertThat(((AdmissionDecision.Refused) decision).reason()).contains("1001").contains("1000");
    }

    @Test
    void shouldRefuseWithServiceUnavailableWhenViewStaleAndFailingClosed() {
        QuotaStatuses.of(KEY, MODEL).updatedAt(1_000).applyTo(view);
        QuotaAdmission admission = admission(rpm(10), RateLimits.NONE,
                QuotaAdmission.Settings.defaults().withFailMode(QuotaAdmission.FailMode.CLOSED, 5_000));

        assertThat(admission.tryAdmit(CALLER, MODEL, 0, 6_000)).isInstanceOf(AdmissionDecision.Admitted.class);
        AdmissionDecision stale = admission.tryAdmit(CALLER, MODEL, 0, 6_001);

        assertThat(stale).isInstanceOf(AdmissionDecision.Refused.class);
        assertThat(((AdmissionDecision.Refused) stale).httpStatus()).isEqualTo(503);
        assertThat(((AdmissionDecision.Refused) stale).reason()).contains("5001 ms old");
    }

    @Test
    void shouldAdmitOnOwnReservationsWhenViewStaleAndFailingOpen() {
        QuotaAdmission admission = admission(rpm(1), RateLimits.NONE);

        assertThat(admission.tryAdmit(CALLER, MODEL, 0, 1_000_000)).isInstanceOf(AdmissionDecision.Admitted.class);
        assertThat(admission.tryAdmit(CALLER, MODEL, 0, 1_000_001)).isInstanceOf(AdmissionDecision.Wait.class);
    }

    @Test
    void shouldReportRemainingAndWarnWhenDailyShareReached() {
        // Given 399 of 500 daily requests used, rpm 200 with 10 in the window, tpm 40000 with 1000 used
        QuotaStatuses.of(KEY, "*").bucket(1_000, 10, 1_000).day(0, DAY_END, 399, 0).updatedAt(2_000).applyTo(view);
        QuotaAdmission admission = admission(RateLimits.NONE, new RateLimits(200L, 40_000L, 500L, null));

        AdmissionDecision.Admitted admitted = (AdmissionDecision.Admitted) admission.tryAdmit(CALLER, MODEL, 500, 2_000);

        // Then after this call: 189 requests and 38 500 tokens left this minute, 100 of 500 today: 80 % used
        AdmissionDecision.Remaining r = admitted.remaining();
        assertThat(new AdmissionDecision.Remaining(r.requestsPerMinute(), r.tokensPerMinute(), r.requestsToday(),
                r.requestsPerDayLimit())).isEqualTo(new AdmissionDecision.Remaining(189, 38_500, 100, 500));
        assertThat(admission.quotaWarning(admitted.remaining())).isTrue();
        assertThat(QuotaWarning.DEFAULT.header(admitted.remaining())).contains("400 of 500 daily requests used (80%)");
        assertThat(admission.quotaWarning(new AdmissionDecision.Remaining(1, 1, 101, 500))).isFalse();
    }

    @Test
    void shouldReportTheBindingMinuteLimitAndWhenItsOldestBucketLeavesWhenAdmitted() {
        // Given rpm 200 across models with 10 requests in the bucket [1 000, 2 000), and rpm 50 / tpm 4 000 for the model
        QuotaStatuses.of(KEY, "*").bucket(1_000, 10, 1_000).updatedAt(2_000).applyTo(view);
        QuotaAdmission admission = admission(new RateLimits(50L, 4_000L, null, null), new RateLimits(200L, null, null, null));

        // When a call reserving 500 tokens is admitted at 5 000
        AdmissionDecision.Admitted admitted = (AdmissionDecision.Admitted) admission.tryAdmit(CALLER, MODEL, 500, 5_000);

        // Then requests: the model's 50 binds (49 left, not 189); its only bucket is this call's, which leaves the
        // window at 5 000 + 1 000 + 60 000
        assertThat(admitted.remaining().requests()).isEqualTo(new AdmissionDecision.Window(50, 49, 61_000));
        assertThat(admitted.remaining().tokens()).isEqualTo(new AdmissionDecision.Window(4_000, 3_500, 61_000));
    }

    @Test
    void shouldResetWhenTheOldestCountedBucketLeavesWhenTheViewHoldsOlderRequests() {
        // Given rpm 200 across models with 10 requests in the bucket [1 000, 2 000)
        QuotaStatuses.of(KEY, "*").bucket(1_000, 10, 1_000).updatedAt(2_000).applyTo(view);
        QuotaAdmission admission = admission(RateLimits.NONE, new RateLimits(200L, null, null, null));

        AdmissionDecision.Admitted admitted = (AdmissionDecision.Admitted) admission.tryAdmit(CALLER, MODEL, 500, 5_000);

        // Then that bucket leaves the window at 62 000, 57 s from now; tokens are unlimited
        assertThat(admitted.remaining().requests()).isEqualTo(new AdmissionDecision.Window(200, 189, 57_000));
        assertThat(admitted.remaining().tokens()).isEqualTo(AdmissionDecision.Window.UNLIMITED);
    }

    @Test
    void shouldReportUnlimitedWhenNoLimitApplies() {
        QuotaAdmission admission = admission(RateLimits.NONE, RateLimits.NONE);

        AdmissionDecision.Admitted admitted = (AdmissionDecision.Admitted) admission.tryAdmit(CALLER, MODEL, 5, 0);

        assertThat(admitted.remaining()).isEqualTo(AdmissionDecision.Remaining.UNLIMITED);
        assertThat(admitted.reservation()).isEqualTo(new AdmissionDecision.Reservation(null, 0, KEY, MODEL, 5, 0));
    }

    @Test
    void shouldReplaceReservedTokensByActualWhenSettled() {
        // Given tpm 1000 and a call that reserved 800 but used 100
        QuotaAdmission admission = admission(new RateLimits(null, 1_000L, null, null), RateLimits.NONE);
        AdmissionDecision.Admitted first = (AdmissionDecision.Admitted) admission.tryAdmit(CALLER, MODEL, 800, 1_000);
        assertThat(admission.tryAdmit(CALLER, MODEL, 800, 1_100)).isInstanceOf(AdmissionDecision.Wait.class);

        admission.settle(first.reservation(), 100, 1_200);

        // Then 900 more fit
        assertThat(admission.tryAdmit(CALLER, MODEL, 900, 1_300)).isInstanceOf(AdmissionDecision.Admitted.class);
    }

    @Test
    void shouldTakeOnlyItsShareWhenInstancesShareTheLimit() {
        // Given two gateway instances, rpm 10 and an empty view
        QuotaAdmission admission = admission(rpm(10), RateLimits.NONE,
                QuotaAdmission.Settings.defaults().withInstances(2).withReflectionBound(1_000));
        for (int i = 0; i < 5; i++) {
            assertThat(admission.tryAdmit(CALLER, MODEL, 0, 1_000 + i)).isInstanceOf(AdmissionDecision.Admitted.class);
        }

        // Then the sixth waits until its reservations should be in the view
        AdmissionDecision sixth = admission.tryAdmit(CALLER, MODEL, 0, 1_100);
        assertThat(sixth).isEqualTo(new AdmissionDecision.Wait(904, "rpm key=k-1 model=sim-large 10 (share of 2 instances)"));

        // When the view shows its 5 and 1 of the other instance, half of the 4 left is its share
        QuotaStatuses.of(KEY, MODEL).bucket(1_000, 6, 0).updatedAt(2_000).applyTo(view);
        assertThat(admission.tryAdmit(CALLER, MODEL, 0, 2_100)).isInstanceOf(AdmissionDecision.Admitted.class);
        assertThat(admission.tryAdmit(CALLER, MODEL, 0, 2_101)).isInstanceOf(AdmissionDecision.Admitted.class);
        assertThat(admission.tryAdmit(CALLER, MODEL, 0, 2_102)).isInstanceOf(AdmissionDecision.Wait.class);
    }

    @Test
    void shouldCountOwnAdmissionsForTheShareUntilEveryGatewaysViewHasThemWhenViewsNameOffsets() {
        // Given two instances, rpm 10, views lagging one another by up to 500 ms, and a view that has counted
        // up to offset 100 and shows nothing in the window
        QuotaStatuses.of(KEY, MODEL).updatedAt(900).counted(0, 100).applyTo(view);
        QuotaAdmission admission = admission(rpm(10), RateLimits.NONE,
                QuotaAdmission.Settings.defaults().withInstances(2).withViewSkew(500));
        for (int i = 0; i < 5; i++) {
            AdmissionDecision.Admitted a = (AdmissionDecision.Admitted) admission.tryAdmit(CALLER, MODEL, 0, 1_000 + i);
            admission.written(a.reservation(), 0, 101 + i);
        }

        // Then its share (5) is taken: the sixth looks again in 50 ms, as long as the view does not move
        AdmissionDecision.Wait share = new AdmissionDecision.Wait(50, "rpm key=k-1 model=sim-large 10 (share of 2 instances)");
        assertThat(admission.tryAdmit(CALLER, MODEL, 0, 1_100)).isEqualTo(share);
        assertThat(admission.tryAdmit(CALLER, MODEL, 0, 3_000)).isEqualTo(share);

        // When the view counts them (up to offset 106, with 1 of the other instance) at 3 100, the other
        // gateway's view may not have them before 3 600: until then they still count against the share
        QuotaStatuses.of(KEY, MODEL).bucket(1_000, 6, 0).updatedAt(3_100).counted(0, 106).applyTo(view);
        assertThat(admission.tryAdmit(CALLER, MODEL, 0, 3_200)).isEqualTo(share);

        // ... and after that, half of the 4 left is its share
        assertThat(admission.tryAdmit(CALLER, MODEL, 0, 3_700)).isInstanceOf(AdmissionDecision.Admitted.class);
        assertThat(admission.tryAdmit(CALLER, MODEL, 0, 3_701)).isInstanceOf(AdmissionDecision.Admitted.class);
        assertThat(admission.tryAdmit(CALLER, MODEL, 0, 3_702)).isEqualTo(share);
    }

    @Test
    void shouldAdmitExactlyTheLimitWhenManyThreadsRace() throws Exception {
        // Given rpm 60 and 32 threads sending 200 calls at the same instant
        QuotaAdmission admission = admission(rpm(60), RateLimits.NONE);
        ExecutorService pool = Executors.newFixedThreadPool(32);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<AdmissionDecision>> results = new ArrayList<>();
        try {
            for (int i = 0; i < 200; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    return admission.tryAdmit(CALLER, MODEL, 10, 5_000);
                }));
            }
            start.countDown();
            int admitted = 0;
            for (Future<AdmissionDecision> result : results) {
                if (result.get() instanceof AdmissionDecision.Admitted) {
                    admitted++;
                }
            }
            // Then exactly 60 pass
            assertThat(admitted).isEqualTo(60);
        } finally {
            pool.shutdownNow();
        }
    }
}
