package io.tollgate.budget.forecast;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class BurnRateTest {

    private final BurnRate burnRate = new BurnRate(Duration.ofHours(1), Duration.ofMinutes(5), Duration.ofSeconds(30));

    @Test
    void shouldKeepOnlyTheWindowAndReplaceSamplesCloserThanTheSpacing() {
        // Given samples every 10 seconds for two hours
        List<Sample> samples = List.of();
        for (long s = 0; s <= 7200; s += 10) {
            samples = burnRate.record(samples, new Sample(s * 1000, s));
        }

        // Then only the last hour is kept, about one sample per 30 s, the newest always last
        assertThat(samples.getFirst().at()).isGreaterThanOrEqualTo(3_600_000L);
        assertThat(samples.getLast()).isEqualTo(new Sample(7_200_000L, 7200));
        assertThat(samples.size()).isBetween(120, 182);
    }

    @Test
    void shouldIgnoreASampleOlderThanTheNewestWhenItArrivesLate() {
        List<Sample> samples = burnRate.record(List.of(), new Sample(60_000, 10));
        samples = burnRate.record(samples, new Sample(120_000, 20));

        assertThat(burnRate.record(samples, new Sample(90_000, 99))).isEqualTo(samples);
    }

    @Test
    void shouldPredictNothingWhenSpendIsFlatOrFallingOrTheSpanIsShort() {
        assertThat(burnRate.exhaustionAt(List.of(new Sample(0, 100), new Sample(600_000, 100)), 1_000)).isEmpty();
        assertThat(burnRate.exhaustionAt(List.of(new Sample(0, 500), new Sample(600_000, 400)), 1_000)).isEmpty();
        assertThat(burnRate.exhaustionAt(List.of(new Sample(0, 0), new Sample(60_000, 900)), 1_000)).isEmpty();
    }

    @Test
    void shouldPredictFromTheRateBetweenOldestAndNewestSample() {
        // $0.60 in 10 minutes is $3.60 an hour; the other $0.40 go in 400 000 ms (6 min 40 s)
        List<Sample> samples = List.of(new Sample(0, 0), new Sample(300_000, 100_000), new Sample(600_000, 600_000));

        assertThat(burnRate.exhaustionAt(samples, 1_000_000)).hasValue(600_000 + 400_000);
        assertThat(burnRate.microsPerHour(samples)).hasValue(3_600_000);
    }
}
