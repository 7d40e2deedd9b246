package io.tollgate.cli.view;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ViewRendererTest {

    @Test
    void shouldShowRatesBudgetBarsAlertsAndRefusalsWhenRenderingPlainText() {
        // Given
        ViewSnapshot snapshot = new ViewSnapshot(0, 12_000,
                Map.of("research", Map.of("sim-large", new ViewSnapshot.Rate(12, 3_400))),
                List.of(new ViewSnapshot.Budget("team:research", "DAY", 250_000, 500_000, 50.0, "NONE")),
                List.of("12:00:01 THRESHOLD team:research $0.25 of $0.50"), List.of("DOWNGRADE team:support -> sim-small"),
                Map.of("sim-large", 3L), new ViewSnapshot.Fleet(100, 90, 4, Map.of("rate_limit_exceeded", 6L), Map.of(), 1_234_567),
                List.of());

        // When
        String text = new ViewRenderer(false).render(snapshot);

        // Then
        assertThat(text).doesNotContain("\u001b[")
                .contains("research     sim-large            12        3,400")
                .contains("[############............]", "$0.250000", "$0.500000", "50.0%")
                .contains("THRESHOLD team:research", "DOWNGRADE team:support -> sim-small")
                .contains("90 answered (4 by a fallback model)", "rate_limit_exceeded=6", "$1.234567");
    }

    @Test
    void shouldCapTheBarWhenSpendIsOverTheBudget() {
        // When
        String bar = new ViewRenderer(false).bar(180.0);

        // Then
        assertThat(bar).isEqualTo("[" + "#".repeat(24) + "]");
    }
}
