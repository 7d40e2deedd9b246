package io.tollgate.budget.query;

import java.util.List;

/** A budget with its spend in the current period, as the REST API answers it. */
public record BudgetView(String scope, String period, String periodKey, String zone, long periodEndMillis,
                         long limitMicros, Long hardLimitMicros, long spendMicros, double sharePercent,
                         String action, String downgradeTo, List<Integer> thresholdsPercent,
                         List<Integer> thresholdsReached, String demand, Long predictedExhaustionAt) {
}
