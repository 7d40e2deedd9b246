package io.tollgate.budget.topology;

import io.tollgate.budget.forecast.BurnRate;
import io.tollgate.policy.calendar.Calendar;
import io.tollgate.policy.calendar.Periods;
import io.tollgate.policy.limits.Share;
import io.tollgate.schemas.avro.BudgetAlert;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.TreeSet;

/**
 * Judges one scope and period against its budget: which alerts are due (thresholds in ascending
 * order, then the hard limit, then the forecast), each at most once per period, and what the budget
 * demands of the gateways. Pure: no stores, no clock of its own.
 */
final class BudgetRules {

    /** The state to keep and the alerts to emit, in order. */
    record Evaluation(BudgetState state, List<BudgetAlert> alerts) {
    }

    private final AlertFactory alerts;
    private final BurnRate burnRate;
    private final Duration horizon;

    BudgetRules(AlertFactory alerts, BurnRate burnRate, Duration horizon) {
        this.alerts = alerts;
        this.burnRate = burnRate;
        this.horizon = horizon;
    }

    BurnRate burnRate() {
        return burnRate;
    }

    /**
     * @param terms the budget now in force, null when it was deleted (demand drops, nothing is emitted)
     * @param now   wall-clock time stamped on the alerts
     */
    Evaluation evaluate(BudgetState state, BudgetTerms terms, long now) {
        if (terms == null) {
            BudgetState dropped = state.withTerms(null, state.periodStartMillis(), state.periodEndMillis())
                    .withOutcome(state.thresholdsEmitted(), state.hardLimitEmitted(), state.forecastEmitted(),
                            state.predictedExhaustionAt(), Demand.NONE);
            return new Evaluation(dropped, List.of());
        }
        boolean changed = !Objects.equals(terms, state.terms());
        BudgetState s = state;
        Demand demand = state.demand();
        if (changed) {
            // a changed budget is judged afresh: a raise above spend lifts the command
            Periods.Period bounds = new Calendar(ZoneId.of(terms.zone()), terms.resetHour())
                    .periodOfKey(state.period(), state.periodKey());
            s = state.withTerms(terms, bounds.startMillis(), bounds.endMillis());
            demand = Demand.NONE;
        }
        List<BudgetAlert> out = new ArrayList<>();
        TreeSet<Integer> emitted = new TreeSet<>(s.thresholdsEmitted());
        long spend = s.spendMicros();
        for (int threshold : terms.thresholdsPercent()) {
            if (!emitted.contains(threshold) && reached(spend, terms.limitMicros(), threshold)) {
                out.add(alerts.threshold(s, threshold, now));
                emitted.add(threshold);
            }
        }
        boolean hardEmitted = s.hardLimitEmitted();
        if (terms.hardLimitMicros() != null && spend >= terms.hardLimitMicros()) {
            demand = Demand.HARD_BLOCK;
            if (!hardEmitted) {
                out.add(alerts.hardLimit(s, now));
                hardEmitted = true;
            }
        } else if (spend >= terms.limitMicros()) {
            demand = demand.atLeast(switch (terms.action()) {
                case ALERT -> Demand.NONE;
                case DOWNGRADE -> Demand.DOWNGRADE;
                case BLOCK -> Demand.BLOCK;
            });
        }
        boolean forecastEmitted = s.forecastEmitted();
        Long predictedAt = s.predictedExhaustionAt();
        if (!forecastEmitted && spend < terms.limitMicros() && !s.samples().isEmpty()) {
            OptionalLong at = burnRate.exhaustionAt(s.samples(), terms.limitMicros());
            long newest = s.samples().getLast().at();
            if (at.isPresent() && at.getAsLong() - newest <= horizon.toMillis() && at.getAsLong() < s.periodEndMillis()) {
                out.add(alerts.predictedExhaustion(s, at.getAsLong(), burnRate.microsPerHour(s.samples()).orElse(0), now));
                forecastEmitted = true;
                predictedAt = at.getAsLong();
            }
        }
        BudgetState next = s.withOutcome(List.copyOf(emitted), hardEmitted, forecastEmitted, predictedAt, demand);
        return new Evaluation(next, out);
    }

    /**
     * spend / limit >= threshold %, in integers (no rounding at the edge) and without overflow: both products are
     * compared as 128-bit numbers, so a total near Long.MAX_VALUE still compares right.
     */
    static boolean reached(long spendMicros, long limitMicros, int thresholdPercent) {
        return Share.reached(spendMicros, limitMicros, thresholdPercent);
    }
}
