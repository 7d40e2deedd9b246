package io.tollgate.gateway.admission;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class OverAdmissionSimulationTest {

    @Test
    void shouldAdmitExactlyTheLimitInAnyWindowWhenOneGatewayTakesABurst() {
        for (long lag : new long[] {0, 100, 500, 1_000, 5_000}) {
            // Given rpm 60 and 300 requests from 32 clients at once through one gateway whose view lags
            OverAdmissionSimulation.Result result = OverAdmissionSimulation.run(new long[] {lag}, 1, 60, 300, 32, 200,
                    180_000);

            // Then no 60-second window holds more than 60, and the burst is served at the limit's pace
            assertThat(result.maxInAnyWindow()).as("lag %d ms", lag).isEqualTo(60);
            assertThat(result.admitted()).as("lag %d ms", lag).isEqualTo(180);
        }
    }

    @Test
    void shouldOverAdmitAtMostOnePerExtraGatewayWhenTheFleetSizeIsKnown() {
        // Given views whose lags differ by less than the 500 ms skew allowance
        for (long[] lags : List.of(new long[] {0, 0}, new long[] {100, 500}, new long[] {1_000, 1_000},
                new long[] {100, 300, 500}, new long[] {1_000, 1_200, 1_400})) {
            OverAdmissionSimulation.Result result = OverAdmissionSimulation.run(lags, lags.length, 60, 300, 32, 200,
                    180_000);

            // Then any 60 s holds at most limit + N - 1, and the burst is still served
            assertThat(result.maxInAnyWindow()).as("lags %s", java.util.Arrays.toString(lags))
                    .isLessThanOrEqualTo(60 + lags.length - 1);
            assertThat(result.admitted()).as("lags %s", java.util.Arrays.toString(lags)).isGreaterThanOrEqualTo(150);
        }
    }

    @Test
    void shouldOverAdmitWhenGatewaysAreToldTheyAreAlone() {
        // Given two gateways each told the fleet is 1, and a burst faster than the views' lag
        OverAdmissionSimulation.Result result = OverAdmissionSimulation.run(new long[] {500, 500}, 1, 60, 300, 32, 200,
                180_000);

        // Then the first window holds more than the limit, up to twice it: why N must be known
        assertThat(result.maxInAnyWindow()).isGreaterThan(61).isLessThanOrEqualTo(120);
    }

    @Test
    void shouldCountLargestWindowWhenTimesAreGiven() {
        assertThat(OverAdmissionSimulation.maxInWindow(List.of(0L, 59_999L, 60_000L, 60_001L), 60_000)).isEqualTo(3);
    }
}
