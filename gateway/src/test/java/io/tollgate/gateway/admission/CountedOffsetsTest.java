package io.tollgate.gateway.admission;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CountedOffsetsTest {

    @Test
    void shouldAnswerTheNewestOffsetAppliedAtLeastSkewAgo() {
        CountedOffsets counted = new CountedOffsets();
        assertThat(counted.settled(10_000, 500)).isEqualTo(-1);
        counted.applied(1_000, 10);
        counted.applied(2_000, 20);
        counted.applied(3_000, 30);

        assertThat(counted.settled(2_400, 500)).isEqualTo(10);
        assertThat(counted.settled(2_500, 500)).isEqualTo(20);
        assertThat(counted.settled(9_000, 500)).isEqualTo(30);
        assertThat(counted.settled(1_499, 500)).isEqualTo(-1);
    }

    @Test
    void shouldNeverAnswerNewerThanTheTruthWhenUpdatesComeFasterThanItKeeps() {
        // Given a status every millisecond for 10 s (offset = time), far more than the history holds
        CountedOffsets counted = new CountedOffsets();
        counted.settled(0, 500); // learns the skew it is asked about
        for (long t = 0; t < 10_000; t++) {
            counted.applied(t, t);
            if (t % 97 == 0 && t >= 500) {
                // Then the answer is never newer than what was applied 500 ms ago, and at most 1/8 of it older
                long settled = counted.settled(t, 500);
                assertThat(settled).isBetween(t - 500 - 500 / 8 - 1, t - 500);
            }
        }
    }

    @Test
    void shouldIgnoreAnOlderOffsetArrivingLate() {
        CountedOffsets counted = new CountedOffsets();
        counted.applied(1_000, 50);
        counted.applied(1_100, 40);
        assertThat(counted.settled(5_000, 500)).isEqualTo(50);
    }
}
