package io.tollgate.gateway.admission;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class OverAdmissionSimulationTest {

    @Test
    void shouldAdmitAtMostTheLimitInAnyWindowWhenOneGatewayTakesABurst() {
        for (long lag : new long[] {0, 100, 500, 1_000, 5_000}) {
            // Given rpm 60 and 200 requests from 32 clients at once through one gateway whose view lags
            OverAdmissionSimulation.Result result = OverAdmissionSimulation.run(1, 1, lag, 60, 200, 32, 200, 180_000);

            // Then no 60-second window holds more than 60, and the burst is served at the limit's pace
            assertThat(result.maxInAnyWindow()).as("lag %d ms", lag).isEqualTo(60);
            assertThat(result.admitted()).as("lag %d ms", lag).isEqualTo(180);
        }
    }

    @Test
    void shouldOverAdmitUpToAWholeLimitWhenTwoGatewaysDoNotShare() {
        // Given two gateways that each think they are alone, and a burst faster than the view's lag
        OverAdmissionSimulation.Result result = OverAdmissionSimulation.run(2, 1, 500, 60, 200, 32, 200, 180_000);

        // Then the first window holds up to twice the limit: what the class Javadoc states
        assertThat(result.maxInAnyWindow()).isGreaterThan(60).isLessThanOrEqualTo(120);
    }

    @Test
    void shouldOverAdmitAtMostOnePerExtraInstanceWhenTwoGatewaysShare() {
        for (long lag : new long[] {0, 100, 500, 1_000}) {
            OverAdmissionSimulation.Result result = OverAdmissionSimulation.run(2, 2, lag, 60, 200, 32, 200, 180_000);

            assertThat(result.maxInAnyWindow()).as("lag %d ms", lag).isLessThanOrEqualTo(61);
            assertThat(result.admitted()).as("lag %d ms", lag).isGreaterThanOrEqualTo(120);
        }
    }

    @Test
    void shouldCountLargestWindowWhenTimesAreGiven() {
        assertThat(OverAdmissionSimulation.maxInWindow(List.of(0L, 59_999L, 60_000L, 60_001L), 60_000)).isEqualTo(3);
    }
}
