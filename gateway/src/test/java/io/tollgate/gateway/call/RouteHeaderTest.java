package io.tollgate.gateway.call;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.gateway.routing.RoutePlan;
import java.util.List;
import org.junit.jupiter.api.Test;

class RouteHeaderTest {

    private static final List<RoutePlan.Candidate> LARGE = List.of(new RoutePlan.Candidate("sim-large", false, "auto"));

    @Test
    void shouldCarryTierScoreReasonAndDecidingFeaturesWhenThePromptWasScored() {
        RoutePlan plan = new RoutePlan(LARGE, "auto: complexity 0.91 -> tier large", 0.914, "large",
                "systems:3,build:1,deliverables:1");

        assertThat(CallExecutor.routeHeader(plan, plan.reason())).isEqualTo(
                "tier=large; score=0.91; reason=auto: complexity 0.91 -> tier large; features=systems:3,build:1,deliverables:1");
    }

    @Test
    void shouldLeaveOutScoreAndFeaturesWhenTheModelWasNamed() {
        assertThat(CallExecutor.routeHeader(RoutePlan.direct("sim-large"), "requested")).isEqualTo("reason=requested");
    }

    @Test
    void shouldReplaceNonPrintableCharactersWhenAReasonHasThem() {
        RoutePlan plan = new RoutePlan(LARGE, "downgrade by command c-1 on team:research: budget é", null, "large", null);

        assertThat(CallExecutor.routeHeader(plan, plan.reason())).isEqualTo("tier=large; reason=downgrade by command c-1 on team:research: budget ?");
    }

    @Test
    void shouldReplaceACharacterOutsideTheBasicPlaneWithOneQuestionMarkWhenAReasonHasOne() {
        RoutePlan plan = new RoutePlan(LARGE, "budget \uD83D\uDCB8 low\ttab", null, null, null);

        assertThat(CallExecutor.routeHeader(plan, plan.reason())).isEqualTo("reason=budget ? low?tab");
    }

    @Test
    void shouldWriteTheScoreAsPercentTwoFWhenRoundingHalfUpOrAtTheEdges() {
        for (double score : new double[] {0, 0.005, 0.015, 0.125, 0.135, 0.9949, 0.995, 1, 0.1 + 0.2, 1e-9, 12.345,
                -0.0, -0.125, Double.NaN, Double.POSITIVE_INFINITY}) {
            assertThat(CallExecutor.twoDecimals(score)).as("score %s", score)
                    .isEqualTo(String.format(java.util.Locale.ROOT, "%.2f", score));
        }
    }
}
