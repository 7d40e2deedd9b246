package io.tollgate.budget.topology;

import io.tollgate.schemas.avro.BudgetAction;
import io.tollgate.schemas.avro.BudgetPolicy;
import java.util.List;

/**
 * A budget as it applies to one scope and period: the policy with its zone and reset hour
 * resolved by the policy module's {@code Calendars} (budget zone, tenant, organisation, service default).
 * Kept in each {@link BudgetState} so that a change of the policy can be recognised.
 */
public record BudgetTerms(long limitMicros, Long hardLimitMicros, List<Integer> thresholdsPercent,
                          BudgetAction action, String downgradeTo, String zone, int resetHour) {

    public BudgetTerms {
        thresholdsPercent = thresholdsPercent.stream().distinct().sorted().toList();
    }

    static BudgetTerms of(BudgetPolicy policy, String zone, int resetHour) {
        return new BudgetTerms(policy.getLimitMicros(), policy.getHardLimitMicros(),
                policy.getThresholdsPercent(), policy.getAction(),
                policy.getDowngradeTo() == null ? null : policy.getDowngradeTo().toString(), zone, resetHour);
    }

    /** Why these terms cannot be applied, or null when they can. */
    public String problem() {
        try {
            java.time.ZoneId.of(zone);
        } catch (java.time.DateTimeException e) {
            return "zone '" + zone + "' is not a time-zone id such as UTC or Europe/Berlin";
        }
        if (limitMicros <= 0) {
            return "limitMicros is " + limitMicros + "; expected a positive amount of micro-dollars";
        }
        if (hardLimitMicros != null && hardLimitMicros < limitMicros) {
            return "hardLimitMicros " + hardLimitMicros + " is below limitMicros " + limitMicros;
        }
        if (thresholdsPercent.stream().anyMatch(t -> t <= 0 || t > 1000)) {
            return "thresholdsPercent " + thresholdsPercent + " has a value outside 1..1000";
        }
        if (action == BudgetAction.DOWNGRADE && (downgradeTo == null || downgradeTo.isBlank())) {
            return "action DOWNGRADE names no downgradeTo model or tier";
        }
        return null;
    }
}
