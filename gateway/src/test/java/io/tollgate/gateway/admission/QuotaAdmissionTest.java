package io.tollgate.gateway.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.tollgate.gateway.admission.AdmissionDecision.Admitted;
import io.tollgate.gateway.admission.AdmissionDecision.Headroom;
import io.tollgate.gateway.admission.AdmissionDecision.Kind;
import io.tollgate.gateway.admission.AdmissionDecision.Refused;
import io.tollgate.gateway.admission.AdmissionDecision.Wait;
import io.tollgate.gateway.routing.Caller;
import io.tollgate.policy.limits.RateLimits;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class QuotaAdmissionTest {

    private static final String KEY = "k-1";
    private static final String MODEL = "sim-large";
    private static final Caller CALLER = new Caller(KEY, "acme", "research", "planner", "test", null);
    private static final long DAY_END = 86_400_000L;

    private final QuotaView view = new QuotaView();
    private final TestPolicies policies = new TestPolicies();
    /** The fleet's live size as membership would report it. */
    private final AtomicInteger fleet = new AtomicInteger(1);

    private QuotaAdmission admission(RateLimits perModel, RateLimits across) {
        return admission(perModel, across, QuotaAdmission.Settings.defaults());
    }

    private QuotaAdmission admission(RateLimits perModel, RateLimits across, QuotaAdmission.Settings settings) {
        policies.key(KEY, "acme", Map.of(MODEL, perModel, "*", across));
        return new QuotaAdmission(view, policies.limits, policies.calendars, fleet::get, settings);
    }

    private static RateLimits rpm(long rpm) {
        return new RateLimits(rpm, null, null, null);
    }

    private static Admitted admit(QuotaAdmission admission, long tokens, long at) {
        AdmissionDecision d = admission.tryAdmit(CALLER, MODEL, tokens, at);
        assertThat(d).as("admission at %d", at).isInstanceOf(Admitted.class);
        return (Admitted) d;
    }

    @Test
    void shouldWaitUntilOldestBucketLeavesWindowWhenOwnReservationsFillRpm() {
        // Given rpm 3 and three admissions in the second starting at 10 000
        QuotaAdmission admission = admission(rpm(3), RateLimits.NONE);
        for (int i = 0; i < 3; i++) {
            admit(admission, 10, 10_100 + i);
        }

        // When a fourth comes at 12 000
        AdmissionDecision decision = admission.tryAdmit(CALLER, MODEL, 10, 12_000);

        // Then it waits until the bucket [10 000, 11 000) has left the trailing minute: 71 000 - 12 000
        assertThat(decision).isEqualTo(new Wait(Kind.RPM, 59_000, "rpm key=k-1 model=sim-large 3"));
    }

    @Test
    void shouldCountViewBucketUntilItsEndLeavesWindowWhenAtWindowEdge() {
        // Given the view shows 3 requests in the bucket [0, 1000) and rpm 3
        QuotaStatuses.of(KEY, MODEL).bucket(0, 3, 30).updatedAt(60_000).counted(0, 2).applyTo(view);
        QuotaAdmission admission = admission(rpm(3), RateLimits.NONE);

        // Then one millisecond before the bucket leaves the window the call waits exactly that
        assertThat(admission.tryAdmit(CALLER, MODEL, 1, 60_999)).isEqualTo(
                new Wait(Kind.RPM, 1, "rpm key=k-1 model=sim-large 3"));
        // and at 61 000 (a full window after the bucket's last possible request) it is admitted
        admit(admission, 1, 61_000);
    }

    @Test
    void shouldWaitForAsManyOldBucketsAsTheExcessNeedsWhenSeveralCalls() {
        // Given buckets of 2, 1 and 2 requests and rpm 5
        QuotaStatuses.of(KEY, MODEL).bucket(1_000, 2, 0).bucket(2_000, 1, 0).bucket(3_000, 2, 0).updatedAt(4_000)
                .counted(0, 4).applyTo(view);
        QuotaAdmission admission = admission(rpm(5), RateLimits.NONE);

        // Then the next call waits for the oldest bucket only
        assertThat(admission.tryAdmit(CALLER, MODEL, 0, 10_000))
                .isEqualTo(new Wait(Kind.RPM, 52_000, "rpm key=k-1 model=sim-large 5"));
    }

    @Test
    void shouldWaitForEnoughOldTokensWhenTokenLimitHit() {
        // Given tokens 500, 300, 200 in the window and tpm 1000
        QuotaStatuses.of(KEY, MODEL).bucket(0, 1, 500).bucket(1_000, 1, 300).bucket(2_000, 1, 200).updatedAt(5_000)
                .counted(0, 2).applyTo(view);
        QuotaAdmission admission = admission(new RateLimits(null, 1_000L, null, null), RateLimits.NONE);

        // When 300 tokens are asked for, 300 must leave: the first bucket (500) is enough
        assertThat(admission.tryAdmit(CALLER, MODEL, 300, 5_000)).isEqualTo(
                new Wait(Kind.TPM, 56_000, "tpm key=k-1 model=sim-large 1000"));
        // When 600 are asked for, the first two buckets must leave
        assertThat(admission.tryAdmit(CALLER, MODEL, 600, 5_000)).isEqualTo(
                new Wait(Kind.TPM, 57_000, "tpm key=k-1 model=sim-large 1000"));
    }

    @Test
    void shouldNotCountOwnAdmissionsTwiceWhenTheViewHasCountedTheirOffsets() {
        // Given rpm 3 and two own admissions that Kafka wrote at offsets 10 and 11
        QuotaAdmission admission = admission(rpm(3), RateLimits.NONE);
        admission.written(admit(admission, 10, 1_000).reservation(), 0, 10);
        admission.written(admit(admission, 10, 1_001).reservation(), 0, 11);

        // When the view shows those two, counted up to offset 11
        QuotaStatuses.of(KEY, MODEL).bucket(1_000, 2, 20).updatedAt(2_500).counted(0, 11).applyTo(view);

        // Then exactly one more fits: 2 counted, not 4
        admit(admission, 10, 3_000);
        assertThat(admission.tryAdmit(CALLER, MODEL, 10, 3_001)).isInstanceOf(Wait.class);
    }

    @Test
    void shouldCountOwnAdmissionsUntilTheViewReachesTheirOffsetWhenAnotherGatewaysLaterEventCameFirst() {
        // Given rpm 4, two admissions here at 1 000 that Kafka wrote at offsets 10 and 11
        QuotaAdmission admission = admission(rpm(4), RateLimits.NONE);
        for (int i = 0; i < 2; i++) {
            admission.written(admit(admission, 0, 1_000 + i).reservation(), 0, 10 + i);
        }

        // When the view shows two calls of another gateway in that second, stamped later than ours (its
        // events at offsets 8 and 9 reached Kafka first), counted up to offset 9
        QuotaStatuses.of(KEY, MODEL).bucket(1_000, 2, 0).updatedAt(1_500).counted(0, 9).applyTo(view);

        // Then ours still count on top of them: 4 of 4, nothing more fits
        assertThat(admission.tryAdmit(CALLER, MODEL, 0, 1_600)).isInstanceOf(Wait.class);

        // ... and once the view has counted up to offset 11 (all four), it is still 4, not 6
        QuotaStatuses.of(KEY, MODEL).bucket(1_000, 4, 0).updatedAt(1_700).counted(0, 11).applyTo(view);
        assertThat(admission.tryAdmit(CALLER, MODEL, 0, 1_800)).isInstanceOf(Wait.class);
        QuotaAdmission roomier = admission(rpm(5), RateLimits.NONE);
        roomier.written(admit(roomier, 0, 1_000).reservation(), 0, 10);
        admit(roomier, 0, 1_900);
    }

    @Test
    void shouldCountEveryOwnAdmissionOnTopWhenTheViewNamesNoOffset() {
        // Given rpm 4, two own admissions, and a view that shows two calls but not which offset it counted
        QuotaAdmission admission = admission(rpm(4), RateLimits.NONE);
        admission.written(admit(admission, 0, 1_000).reservation(), 0, 10);
        admission.written(admit(admission, 0, 1_001).reservation(), 0, 11);
        QuotaStatuses.of(KEY, MODEL).bucket(1_000, 2, 0).updatedAt(1_500).applyTo(view);

        // Then nothing of this gateway is taken as counted: 2 + 2 = 4 of 4
        assertThat(admission.tryAdmit(CALLER, MODEL, 0, 1_600)).isInstanceOf(Wait.class);
    }

    @Test
    void shouldCountAnAdmissionUntilKafkaAcknowledgesItWhenTheViewNamesOffsets() {
        // Given rpm 2, one admission whose event Kafka has not acknowledged yet
        QuotaAdmission admission = admission(rpm(2), RateLimits.NONE);
        Admitted a = admit(admission, 0, 1_000);

        // When the view shows one call of another gateway in that second, counted up to offset 50
        QuotaStatuses.of(KEY, MODEL).bucket(1_000, 1, 0).updatedAt(1_100).counted(0, 50).applyTo(view);

        // Then it is 1 + 1 however long Kafka takes, so the wait is for the bucket [1 000, 2 000) to leave
        // the window at 62 000
        assertThat(admission.tryAdmit(CALLER, MODEL, 0, 5_000))
                .isEqualTo(new Wait(Kind.RPM, 57_000, "rpm key=k-1 model=sim-large 2"));

        // When no event will be written for it (the attempt never went upstream), it no longer counts
        admission.written(a.reservation(), -1, -1);
        admit(admission, 0, 5_200);
    }

    @Test
    void shouldCheckAcrossModelsLimitWhenEachModelHasRoom() {
        // Given rpm 10 per model and 2 across models
        QuotaAdmission admission = admission(rpm(10), rpm(2));
        admission.tryAdmit(CALLER, MODEL, 0, 1_000);
        admission.tryAdmit(CALLER, "sim-small", 0, 1_000);

        AdmissionDecision decision = admission.tryAdmit(CALLER, "sim-medium", 0, 1_500);

        assertThat(decision).isEqualTo(new Wait(Kind.RPM, 60_500, "rpm key=k-1 model=* 2"));
    }

    @Test
    void shouldRefuseWithRetryAfterEndOfDayWhenDailyRequestsUsed() {
        // Given 500 requests today in the view and rpd 500
        QuotaStatuses.of(KEY, "*").day(0, DAY_END, 500, 9_000).updatedAt(40_000_000).counted(0, 600).applyTo(view);
        QuotaAdmission admission = admission(RateLimits.NONE, new RateLimits(200L, null, 500L, null));

        AdmissionDecision decision = admission.tryAdmit(CALLER, MODEL, 0, 40_000_000);

        assertThat(decision).isEqualTo(new Refused(Kind.RPD, "rpd key=k-1 model=* 500", DAY_END - 40_000_000,
                429, "daily request quota of 500 used (500 today)"));
    }

    @Test
    void shouldRefuseWhenDailyTokensWouldBeExceeded() {
        QuotaStatuses.of(KEY, "*").day(0, DAY_END, 3, 900).updatedAt(1_000).counted(0, 6).applyTo(view);
        QuotaAdmission admission = admission(RateLimits.NONE, new RateLimits(null, null, null, 1_000L));

        admit(admission, 100, 2_000);
        AdmissionDecision refused = admission.tryAdmit(CALLER, MODEL, 1, 2_000);

        assertThat(refused).isEqualTo(new Refused(Kind.TPD, "tpd key=k-1 model=* 1000", DAY_END - 2_000, 429,
                "daily token quota of 1000 would be exceeded (1000 used today, 1 asked)"));
    }

    @Test
    void shouldPreferTheDailyRefusalWhenAMinuteIsFullToo() {
        // Given the per-model minute full and the across-models day used up
        QuotaStatuses.of(KEY, MODEL).bucket(1_000, 1, 0).updatedAt(1_000).counted(0, 1).applyTo(view);
        QuotaStatuses.of(KEY, "*").day(0, DAY_END, 5, 0).updatedAt(1_000).counted(0, 1).applyTo(view);
        QuotaAdmission admission = admission(rpm(1), new RateLimits(null, null, 5L, null));

        // Then waiting would not help: refused at once
        assertThat(admission.tryAdmit(CALLER, MODEL, 0, 2_000)).isInstanceOfSatisfying(Refused.class,
                r -> assertThat(r.kind()).isEqualTo(Kind.RPD));
    }

    @Test
    void shouldIgnoreViewDayTotalsWhenTheirDayIsOver() {
        // Given yesterday's totals at the quota
        QuotaStatuses.of(KEY, "*").day(0, DAY_END, 500, 0).updatedAt(DAY_END - 1).counted(0, 500).applyTo(view);
        QuotaAdmission admission = admission(RateLimits.NONE, new RateLimits(null, null, 500L, null));

        // Then a call on the next day (UTC) is admitted
        admit(admission, 0, DAY_END + 5);
    }

    @Test
    void shouldCountTheTenantsDayWhenTheViewHasNoDayForTheKey() {
        // Given rpd 2 for a tenant whose days start at 06:00 UTC, and two calls just before that
        policies.tenantDay("acme", 6);
        QuotaAdmission admission = admission(RateLimits.NONE, new RateLimits(null, null, 2L, null));
        long six = 6 * 3_600_000L;
        admit(admission, 0, six - 2_000);
        admit(admission, 0, six - 1_000);
        assertThat(admission.tryAdmit(CALLER, MODEL, 0, six - 500)).isInstanceOf(Refused.class);

        // When the tenant's new day has begun
        admit(admission, 0, six + 10);
        admit(admission, 0, six + 20);

        // Then its quota counts from 06:00: refused until the next 06:00
        assertThat(admission.tryAdmit(CALLER, MODEL, 0, six + 30)).isEqualTo(new Refused(Kind.RPD,
                "rpd key=k-1 model=* 2", DAY_END - 30, 429, "daily request quota of 2 used (2 today)"));
    }

    @Test
    void shouldRefuseWhenCallNeedsMoreTokensThanTheMinuteAllows() {
        QuotaAdmission admission = admission(new RateLimits(null, 1_000L, null, null), RateLimits.NONE);

        AdmissionDecision decision = admission.tryAdmit(CALLER, MODEL, 1_001, 0);

        assertThat(decision).isInstanceOfSatisfying(Refused.class, r -> {
            assertThat(r.kind()).isEqualTo(Kind.TPM);
            assertThat(r.reason()).contains("1001").contains("1000");
        });
    }

    @Test
    void shouldRefuseWithServiceUnavailableWhenViewStaleAndFailingClosed() {
        QuotaStatuses.of(KEY, MODEL).updatedAt(1_000).applyTo(view);
        QuotaAdmission admission = admission(rpm(10), RateLimits.NONE,
                QuotaAdmission.Settings.defaults().withFailMode(QuotaAdmission.FailMode.CLOSED, 5_000));

        admit(admission, 0, 6_000);
        AdmissionDecision stale = admission.tryAdmit(CALLER, MODEL, 0, 6_001);

        assertThat(stale).isInstanceOfSatisfying(Refused.class, r -> {
            assertThat(r.kind()).isEqualTo(Kind.STALE_VIEW);
            assertThat(r.httpStatus()).isEqualTo(503);
            assertThat(r.reason()).contains("5001 ms old");
        });
    }

    @Test
    void shouldAdmitOnOwnReservationsWhenViewStaleAndFailingOpen() {
        QuotaAdmission admission = admission(rpm(1), RateLimits.NONE);

        admit(admission, 0, 1_000_000);
        assertThat(admission.tryAdmit(CALLER, MODEL, 0, 1_000_001)).isInstanceOf(Wait.class);
    }

    @Test
    void shouldReportWhatIsLeftOfEveryLimitWhenAdmitted() {
        // Given 399 of 500 daily requests and 7 900 of 10 000 daily tokens used, rpm 200 with 10 in the window,
        // tpm 40 000 with 1 000 used, and a per-model tpd of 9 000 with nothing used for the model
        QuotaStatuses.of(KEY, "*").bucket(1_000, 10, 1_000).day(0, DAY_END, 399, 7_900).updatedAt(2_000)
                .counted(0, 400).applyTo(view);
        QuotaAdmission admission = admission(new RateLimits(null, null, null, 9_000L),
                new RateLimits(200L, 40_000L, 500L, 10_000L));

        Admitted admitted = admit(admission, 500, 2_000);

        // Then after this call: 189 requests and 38 500 tokens this minute, 100 of 500 requests and 1 600 of
        // 10 000 tokens today (the across-models tpd leaves less than the model's 8 500)
        AdmissionDecision.Remaining remaining = admitted.remaining();
        assertThat(List.of(remaining.requestsPerMinute(), remaining.tokensPerMinute(), remaining.requestsPerDay(),
                remaining.tokensPerDay())).extracting(Headroom::limit, Headroom::remaining).containsExactly(
                tuple(200L, 189L), tuple(40_000L, 38_500L), tuple(500L, 100L), tuple(10_000L, 1_600L));
        assertThat(admitted.remaining().tokensPerDay().used()).isEqualTo(8_400);
    }

    @Test
    void shouldReportUnlimitedWhenNoLimitApplies() {
        QuotaAdmission admission = admission(RateLimits.NONE, RateLimits.NONE);

        Admitted admitted = admit(admission, 5, 0);

        assertThat(admitted.remaining()).isEqualTo(AdmissionDecision.Remaining.UNLIMITED);
        assertThat(admitted.reservation()).isEqualTo(new AdmissionDecision.Reservation(KEY, MODEL, 5, 0, 1));
    }

    @Test
    void shouldReplaceReservedTokensByActualWhenSettledBeforeKafkaAcknowledges() {
        // Given tpm 1000 and a call that reserved 800 but used 100, its event not yet acknowledged
        QuotaAdmission admission = admission(new RateLimits(null, 1_000L, null, null), RateLimits.NONE);
        Admitted first = admit(admission, 800, 1_000);
        assertThat(admission.tryAdmit(CALLER, MODEL, 800, 1_100)).isInstanceOf(Wait.class);

        admission.settle(first.reservation(), 100, 1_200);

        // Then 900 more fit
        Admitted second = admit(admission, 900, 1_300);

        // When the second's event is acknowledged before it settles, the view's count is what corrects it
        admission.written(second.reservation(), 0, 7);
        admission.settle(second.reservation(), 0, 1_400);
        assertThat(admission.tryAdmit(CALLER, MODEL, 1, 1_500)).isInstanceOf(Wait.class);
    }

    @Test
    void shouldTakeOnlyItsShareWhenTheFleetHasTwoGateways() {
        // Given two gateways in the fleet, rpm 10, and a view that has counted up to offset 100 and shows nothing
        fleet.set(2);
        QuotaStatuses.of(KEY, MODEL).updatedAt(900).counted(0, 100).applyTo(view);
        QuotaAdmission admission = admission(rpm(10), RateLimits.NONE,
                QuotaAdmission.Settings.defaults().withViewSkew(500));
        for (int i = 0; i < 5; i++) {
            admission.written(admit(admission, 0, 1_000 + i).reservation(), 0, 101 + i);
        }

        // Then its share (5) is taken: the sixth looks again in 50 ms, as long as the view does not move
        Wait share = new Wait(Kind.RPM, ShareRule.RECHECK_MILLIS,
                "rpm key=k-1 model=sim-large 10 (share of 2 gateways)");
        assertThat(admission.tryAdmit(CALLER, MODEL, 0, 1_100)).isEqualTo(share);
        assertThat(admission.tryAdmit(CALLER, MODEL, 0, 3_000)).isEqualTo(share);

        // When the view counts them (up to offset 106, with 1 of the other gateway) at 3 100, the other
        // gateway's view may not have them before 3 600: until then they still count against the share
        QuotaStatuses.of(KEY, MODEL).bucket(1_000, 6, 0).updatedAt(3_100).counted(0, 106).applyTo(view);
        assertThat(admission.tryAdmit(CALLER, MODEL, 0, 3_200)).isEqualTo(share);

        // ... and after that, half of the 4 left is its share
        admit(admission, 0, 3_700);
        admit(admission, 0, 3_701);
        assertThat(admission.tryAdmit(CALLER, MODEL, 0, 3_702)).isEqualTo(share);
    }

    @Test
    void shouldFollowTheFleetsSizeWhenGatewaysJoinAndLeave() {
        // Given rpm 12 and a view that shows nothing
        QuotaStatuses.of(KEY, MODEL).updatedAt(900).counted(0, 100).applyTo(view);
        QuotaAdmission admission = admission(rpm(12), RateLimits.NONE);

        // When a third gateway joins, this one takes ceil(12 / 3) = 4
        fleet.set(3);
        int admitted = 0;
        while (admission.tryAdmit(CALLER, MODEL, 0, 1_000 + admitted) instanceof Admitted) {
            admitted++;
        }
        assertThat(admitted).isEqualTo(4);

        // When the others leave, it may use all that is free
        fleet.set(1);
        while (admission.tryAdmit(CALLER, MODEL, 0, 1_000 + admitted) instanceof Admitted) {
            admitted++;
        }
        assertThat(admitted).isEqualTo(12);
    }

    @Test
    void shouldAdmitACallLargerThanItsShareWhenNothingOfItsOwnIsUnsettled() {
        // Given two gateways, tpm 1000, and a view showing 200 tokens used
        fleet.set(2);
        QuotaStatuses.of(KEY, MODEL).bucket(1_000, 1, 200).updatedAt(1_000).counted(0, 100).applyTo(view);
        QuotaAdmission admission = admission(new RateLimits(null, 1_000L, null, null), RateLimits.NONE);

        // Then a call of 600 tokens (more than the share of 400) goes, since it fits what is free
        admission.written(admit(admission, 600, 2_000).reservation(), 0, 101);

        // ... but nothing more until every view has counted it
        assertThat(admission.tryAdmit(CALLER, MODEL, 100, 2_001)).isInstanceOfSatisfying(Wait.class,
                w -> assertThat(w.limit()).endsWith("(share of 2 gateways)"));
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
                if (result.get() instanceof Admitted) {
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
