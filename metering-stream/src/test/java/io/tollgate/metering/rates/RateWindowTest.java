package io.tollgate.metering.rates;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class RateWindowTest {

    private static final long T0 = 1_000_000_000L;

    private static Buckets buckets(Buckets.Bucket... b) {
        return new Buckets(List.of(b));
    }

    @Test
    void shouldFitNowWhenUnderBothLimits() {
        Buckets b = buckets(new Buckets.Bucket(T0, 2, 500));

        RateWindow.Wait wait = RateWindow.waitTime(b, T0 + 10_000, 400, 3L, 1000L);

        assertThat(wait.fits()).isTrue();
        assertThat(wait.waitMillis()).isZero();
    }

    @Test
    void shouldWaitUntilBlockingBucketAgesOutWhenTokenLimitIsReached() {
        // Given 900 of 1000 tokens used: 600 at T0, 300 at T0 + 20 s
        Buckets b = buckets(new Buckets.Bucket(T0, 1, 600), new Buckets.Bucket(T0 + 20_000, 1, 300));

        // When a 500-token request asks at T0 + 30 s
        RateWindow.Wait wait = RateWindow.waitTime(b, T0 + 30_000, 500, null, 1000L);

        // Then it fits once the T0 bucket leaves the minute: at T0 + 1 s + 60 s, 31 s from now
        assertThat(wait.fits()).isTrue();
        assertThat(wait.waitMillis()).isEqualTo(31_000);
    }

    @Test
    void shouldWaitForSecondBucketWhenRequestLimitNeedsTwoToLeave() {
        Buckets b = buckets(new Buckets.Bucket(T0, 1, 0), new Buckets.Bucket(T0 + 5_000, 1, 0),
                new Buckets.Bucket(T0 + 9_000, 1, 0));

        RateWindow.Wait wait = RateWindow.waitTime(b, T0 + 10_000, 0, 2L, null);

        // the second bucket (T0 + 5 s) ages out at T0 + 66 s
        assertThat(wait.waitMillis()).isEqualTo(56_000);
    }

    @Test
    void shouldNeverFitWhenRequestAloneExceedsTokenLimit() {
        RateWindow.Wait wait = RateWindow.waitTime(Buckets.EMPTY, T0, 5000, 10L, 4000L);

        assertThat(wait.fits()).isFalse();
        assertThat(wait.reason()).contains("5000").contains("4000");
    }

    @Test
    void shouldRejectNegativeTokenCountWhenAsked() {
        assertThatThrownBy(() -> RateWindow.waitTime(Buckets.EMPTY, T0, -1, null, null))
                .hasMessageContaining("tokens is -1");
    }

    @Test
    void shouldMergeIntoExistingBucketAndKeepOrderWhenAdding() {
        Buckets b = Buckets.EMPTY.add(T0 + 2500, 1, 10, 0).add(T0 + 500, 1, 5, 0).add(T0 + 2999, 0, -3, 0);

        assertThat(b.buckets()).containsExactly(new Buckets.Bucket(T0, 1, 5), new Buckets.Bucket(T0 + 2000, 1, 7));
        assertThat(Buckets.serde().deserializer().deserialize("", Buckets.serde().serializer().serialize("", b)))
                .isEqualTo(b);
    }
}
