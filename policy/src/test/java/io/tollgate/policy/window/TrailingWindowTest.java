package io.tollgate.policy.window;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TrailingWindowTest {

    @Test
    void shouldCountABucketForAtLeastAFullMinuteAfterAnyCallInIt() {
        long bucket = 120_000;
        long lastCallInBucket = bucket + 999;

        assertThat(TrailingWindow.counts(bucket, lastCallInBucket + 59_999)).isTrue();
        assertThat(TrailingWindow.counts(bucket, bucket + 60_999)).isTrue();
        assertThat(TrailingWindow.counts(bucket, bucket + 61_000)).isFalse();
        assertThat(TrailingWindow.ageOut(bucket)).isEqualTo(bucket + 61_000);
    }

    @Test
    void shouldNotCountABucketThatStartsAfterNow() {
        assertThat(TrailingWindow.counts(5_000, 4_999)).isFalse();
        assertThat(TrailingWindow.counts(5_000, 5_000)).isTrue();
    }

    @Test
    void shouldAlignBucketsToTheSecondForNegativeAndPositiveTimes() {
        assertThat(TrailingWindow.bucketOf(1_999)).isEqualTo(1_000);
        assertThat(TrailingWindow.bucketOf(-1)).isEqualTo(-1_000);
        assertThat(TrailingWindow.oldestCounted(61_500)).isEqualTo(1_000);
        assertThat(TrailingWindow.counts(TrailingWindow.oldestCounted(61_500), 61_500)).isTrue();
        assertThat(TrailingWindow.counts(TrailingWindow.oldestCounted(61_500) - 1_000, 61_500)).isFalse();
    }
}
