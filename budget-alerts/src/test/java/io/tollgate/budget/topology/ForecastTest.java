package io.tollgate.budget.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.schemas.avro.AlertKind;
import io.tollgate.schemas.avro.BudgetAction;
import io.tollgate.schemas.avro.BudgetAlert;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ForecastTest {

    private static final Instant NOON = Instant.parse("2026-11-21T12:00:00Z");
    private static final String DAY = "2026-11-21";
    private static final long TEN_DOLLARS = 10_000_000L;

    @TempDir
    Path stateDir;

    private TopologyFixture fixture;

    @BeforeEach
    void open() {
        // a one-hour horizon: predict when exhaustion is at most an hour ahead
        fixture = new TopologyFixture(stateDir, NOON, Duration.ofHours(1));
        fixture.teamDayBudget(TEN_DOLLARS, BudgetAction.ALERT);
    }

    @AfterEach
    void close() {
        fixture.close();
    }

    @Test
    void shouldPredictExhaustionOnceWhenASteadyBurnComesWithinTheHorizon() {
        // When $0.10 is spent every minute ($6/h) from noon
        List<Integer> predictedAtMinute = new ArrayList<>();
        List<BudgetAlert> predicted = new ArrayList<>();
        for (int minute = 0; minute <= 70; minute++) {
            spendAt(minute, 100_000L * minute);
            for (BudgetAlert alert : fixture.alerts.readValuesToList()) {
                if (alert.getKind() == AlertKind.PREDICTED_EXHAUSTION) {
                    predictedAtMinute.add(minute);
                    predicted.add(alert);
                }
            }
        }

        // Then the forecast fires once, when $4 are spent: the other $6 last exactly one more hour
        assertThat(predictedAtMinute).containsExactly(40);
        BudgetAlert alert = predicted.getFirst();
        assertThat(alert.getPredictedExhaustionAt()).isEqualTo(Instant.parse("2026-11-21T13:40:00Z").toEpochMilli());
        assertThat(alert.getAlertId()).isEqualTo("team:acme@2026-11-21#PREDICTED_EXHAUSTION:100");
        assertThat(alert.getSpendMicros()).isEqualTo(4_000_000);
        assertThat(alert.getMessage()).contains("$6.00 per hour", "2026-11-21 13:40");
    }

    @Test
    void shouldNotPredictFromOneBurstThatTheHourAveragesOut() {
        // When spend is flat at $1 for 50 minutes, jumps by $2 in one minute, then stays flat for an hour
        for (int minute = 0; minute <= 50; minute += 5) {
            spendAt(minute, 1_000_000);
        }
        spendAt(51, 3_000_000);
        for (int minute = 55; minute <= 120; minute += 5) {
            spendAt(minute, 3_000_000);
        }

        // Then $2 over 51 minutes leaves the other $7 about three hours away: no forecast
        assertThat(fixture.alerts.readValuesToList()).extracting(BudgetAlert::getKind)
                .doesNotContain(AlertKind.PREDICTED_EXHAUSTION);
    }

    @Test
    void shouldPredictFromRepeatedBurstsOnlyOnceTheyCoverTheMinimumSpan() {
        // When $1.50 is spent in one minute every ten minutes
        List<Integer> predictedAtMinute = new ArrayList<>();
        long spent = 0;
        for (int minute = 0; minute <= 40; minute++) {
            if (minute % 10 == 1) {
                spent += 1_500_000;
            }
            spendAt(minute, spent);
            int at = minute;
            fixture.alerts.readValuesToList().stream()
                    .filter(a -> a.getKind() == AlertKind.PREDICTED_EXHAUSTION)
                    .forEach(a -> predictedAtMinute.add(at));
        }

        // Then the first burst alone (one minute of data) predicts nothing; at minute 5 the
        // rate over the window ($1.50 in 5 minutes, $18/h) puts the other $8.50 28 minutes away
        assertThat(predictedAtMinute).hasSize(1);
        assertThat(predictedAtMinute.getFirst()).isEqualTo(5);
    }

    /** A total published at {@code minute}: the wall clock is there too (outputs are never stamped after it). */
    private void spendAt(int minute, long cost) {
        long at = NOON.plus(Duration.ofMinutes(minute)).toEpochMilli();
        if (at > fixture.now()) {
            fixture.jump(Duration.ofMillis(at - fixture.now()));
        }
        fixture.pipe(fixture.teamSpend(DAY, cost, at), at);
    }
}
