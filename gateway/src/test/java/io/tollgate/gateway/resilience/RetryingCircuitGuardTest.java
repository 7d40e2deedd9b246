package io.tollgate.gateway.resilience;

import static io.tollgate.gateway.resilience.RetryingCircuitGuard.State.CLOSED;
import static io.tollgate.gateway.resilience.RetryingCircuitGuard.State.HALF_OPEN;
import static io.tollgate.gateway.resilience.RetryingCircuitGuard.State.OPEN;
import static io.tollgate.gateway.resilience.UpstreamGuard.Outcome.CLIENT_ERROR;
import static io.tollgate.gateway.resilience.UpstreamGuard.Outcome.NETWORK_ERROR;
import static io.tollgate.gateway.resilience.UpstreamGuard.Outcome.RATE_LIMITED;
import static io.tollgate.gateway.resilience.UpstreamGuard.Outcome.SERVER_ERROR;
import static io.tollgate.gateway.resilience.UpstreamGuard.Outcome.SUCCESS;
import static io.tollgate.gateway.resilience.UpstreamGuard.Outcome.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class RetryingCircuitGuardTest {

    private static final RetryingCircuitGuard.Settings SETTINGS = new RetryingCircuitGuard.Settings(6,
            Duration.ofMillis(100), Duration.ofMillis(1_000), Duration.ofSeconds(20), 3, Duration.ofSeconds(10));

    private final List<String> transitions = new ArrayList<>();
    private final RetryingCircuitGuard guard = new RetryingCircuitGuard(SETTINGS, new Random(42),
            (provider, model, from, to, now) -> transitions.add(provider + "/" + model + " " + from + "->" + to + "@" + now));

    @Test
    void shouldDoubleBackoffCapUpToMaximumWhenAttemptsGrow() {
        assertThat(IntStream.rangeClosed(2, 7).mapToLong(guard::backoffCap).boxed().toList())
                .containsExactly(100L, 200L, 400L, 800L, 1_000L, 1_000L);
        assertThat(guard.backoffCap(200)).isEqualTo(1_000L);
    }

    @Test
    void shouldSpreadDelaysOverWholeJitterRangeWhenSeeded() {
        for (int attempt = 2; attempt <= 6; attempt++) {
            long cap = guard.backoffCap(attempt);
            List<Long> delays = new ArrayList<>();
            for (int i = 0; i < 2_000; i++) {
                delays.add(guard.retryDelay(attempt, SERVER_ERROR, Optional.empty()).orElseThrow().toMillis());
            }
            // full jitter: within [0, cap], and reaching both ends of it
            assertThat(delays).allSatisfy(d -> assertThat(d).isBetween(0L, cap));
            assertThat(delays.stream().mapToLong(Long::longValue).min().orElseThrow()).isLessThan(cap / 10 + 1);
            assertThat(delays.stream().mapToLong(Long::longValue).max().orElseThrow()).isGreaterThan(cap * 9 / 10);
        }
    }

    @Test
    void shouldRepeatScheduleWhenSeedIsTheSame() {
        RetryingCircuitGuard a = new RetryingCircuitGuard(SETTINGS, new Random(7));
        RetryingCircuitGuard b = new RetryingCircuitGuard(SETTINGS, new Random(7));

        for (int attempt = 2; attempt <= 6; attempt++) {
            assertThat(a.retryDelay(attempt, TIMEOUT, Optional.empty()))
                    .isEqualTo(b.retryDelay(attempt, TIMEOUT, Optional.empty()));
        }
    }

    @Test
    void shouldNeverWaitLessThanRetryAfterWhenProviderSendsIt() {
        for (int i = 0; i < 500; i++) {
            Duration delay = guard.retryDelay(2, RATE_LIMITED, Optional.of(Duration.ofMillis(70))).orElseThrow();
            assertThat(delay.toMillis()).isBetween(70L, 100L);
        }
        assertThat(guard.retryDelay(2, RATE_LIMITED, Optional.of(Duration.ofSeconds(5)))).contains(Duration.ofSeconds(5));
    }

    @Test
    void shouldStopRetryingWhenRetryAfterIsBeyondBound() {
        assertThat(guard.retryDelay(2, RATE_LIMITED, Optional.of(Duration.ofSeconds(21)))).isEmpty();
    }

    @Test
    void shouldStopRetryingWhenMaxAttemptsReached() {
        assertThat(guard.retryDelay(6, NETWORK_ERROR, Optional.empty())).isPresent();
        assertThat(guard.retryDelay(7, NETWORK_ERROR, Optional.empty())).isEmpty();
    }

    @Test
    void shouldNotRetryWhenOutcomeIsSuccessOrClientError() {
        assertThat(guard.retryDelay(2, CLIENT_ERROR, Optional.empty())).isEmpty();
        assertThat(guard.retryDelay(2, SUCCESS, Optional.empty())).isEmpty();
    }

    @Test
    void shouldRejectAttemptNumberWhenBelowTwo() {
        assertThatThrownBy(() -> guard.retryDelay(1, TIMEOUT, Optional.empty()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1");
    }

    @Test
    void shouldOpenWhenConsecutiveFailuresReachThreshold() {
        guard.record("p", "m", SERVER_ERROR, 1);
        guard.record("p", "m", TIMEOUT, 2);
        assertThat(guard.allow("p", "m", 3)).isTrue();

        guard.record("p", "m", NETWORK_ERROR, 3);

        assertThat(guard.state("p", "m")).isEqualTo(OPEN);
        assertThat(guard.allow("p", "m", 4)).isFalse();
        assertThat(transitions).containsExactly("p/m CLOSED->OPEN@3");
    }

    @Test
    void shouldStayClosedWhenSuccessBreaksTheFailureRun() {
        guard.record("p", "m", SERVER_ERROR, 1);
        guard.record("p", "m", SERVER_ERROR, 2);
        guard.record("p", "m", CLIENT_ERROR, 3);
        guard.record("p", "m", SERVER_ERROR, 4);
        guard.record("p", "m", SERVER_ERROR, 5);

        assertThat(guard.state("p", "m")).isEqualTo(CLOSED);
    }

    @Test
    void shouldNotCountRateLimitsWhenClosed() {
        for (int i = 0; i < 10; i++) {
            guard.record("p", "m", RATE_LIMITED, i);
        }

        assertThat(guard.state("p", "m")).isEqualTo(CLOSED);
    }

    @Test
    void shouldLetOneProbeThroughWhenCoolDownHasPassed() {
        open("p", "m", 0);

        assertThat(guard.allow("p", "m", 9_999)).isFalse();
        assertThat(guard.allow("p", "m", 10_000)).isTrue();
        assertThat(guard.state("p", "m")).isEqualTo(HALF_OPEN);
        assertThat(guard.allow("p", "m", 10_001)).isFalse();
    }

    @Test
    void shouldCloseWhenProbeSucceeds() {
        open("p", "m", 0);
        guard.allow("p", "m", 10_000);

        guard.record("p", "m", SUCCESS, 10_200);

        assertThat(guard.state("p", "m")).isEqualTo(CLOSED);
        assertThat(guard.allow("p", "m", 10_201)).isTrue();
        assertThat(transitions).containsExactly("p/m CLOSED->OPEN@0", "p/m OPEN->HALF_OPEN@10000",
                "p/m HALF_OPEN->CLOSED@10200");
    }

    @Test
    void shouldOpenAgainForAnotherCoolDownWhenProbeFails() {
        open("p", "m", 0);
        guard.allow("p", "m", 10_000);

        guard.record("p", "m", TIMEOUT, 10_500);

        assertThat(guard.state("p", "m")).isEqualTo(OPEN);
        assertThat(guard.allow("p", "m", 20_499)).isFalse();
        assertThat(guard.allow("p", "m", 20_500)).isTrue();
    }

    @Test
    void shouldLetAnotherProbeThroughWhenFirstNeverReports() {
        open("p", "m", 0);
        assertThat(guard.allow("p", "m", 10_000)).isTrue();

        assertThat(guard.allow("p", "m", 19_999)).isFalse();
        assertThat(guard.allow("p", "m", 20_000)).isTrue();
    }

    @Test
    void shouldIgnoreLateOutcomesWhenOpen() {
        open("p", "m", 0);

        guard.record("p", "m", SUCCESS, 5);

        assertThat(guard.state("p", "m")).isEqualTo(OPEN);
    }

    @Test
    void shouldKeepBreakersApartWhenProviderOrModelDiffers() {
        open("p", "m", 0);

        assertThat(guard.allow("p", "other", 1)).isTrue();
        assertThat(guard.allow("q", "m", 1)).isTrue();
        assertThat(guard.states()).containsEntry("p/m", OPEN).containsEntry("p/other", CLOSED);
    }

    private void open(String provider, String model, long at) {
        for (int i = 0; i < SETTINGS.failureThreshold(); i++) {
            guard.record(provider, model, SERVER_ERROR, at);
        }
        assertThat(guard.state(provider, model)).isEqualTo(OPEN);
    }
}
