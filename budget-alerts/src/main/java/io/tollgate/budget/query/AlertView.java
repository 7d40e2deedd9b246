package io.tollgate.budget.query;

import io.tollgate.policy.scope.Keys;
import io.tollgate.schemas.avro.AmountByName;
import io.tollgate.schemas.avro.BudgetAlert;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A BudgetAlert as plain JSON (the webhook and the REST API share this shape). */
public record AlertView(String alertId, String kind, String scope, String period, String periodKey,
                        int thresholdPercent, long budgetMicros, long spendMicros, double sharePercent,
                        Long predictedExhaustionAt, Map<String, Long> topModels, Map<String, Long> topAgents,
                        String message, long timestamp) {

    public static AlertView of(BudgetAlert a) {
        return new AlertView(a.getAlertId(), a.getKind().name(), Keys.scope(a.getScopeType(), a.getScopeId()),
                a.getPeriod().name(), a.getPeriodKey(), a.getThresholdPercent(), a.getBudgetMicros(),
                a.getSpendMicros(), a.getSharePercent(), a.getPredictedExhaustionAt(), amounts(a.getTopModels()),
                amounts(a.getTopAgents()), a.getMessage(), a.getTimestamp());
    }

    private static Map<String, Long> amounts(List<AmountByName> list) {
        Map<String, Long> out = new LinkedHashMap<>();
        list.forEach(a -> out.put(a.getName(), a.getAmount()));
        return out;
    }
}
