package io.tollgate.budget.topology;

import io.tollgate.budget.forecast.Sample;
import io.tollgate.policy.scope.Keys;
import io.tollgate.schemas.avro.PeriodType;
import io.tollgate.schemas.avro.ScopeType;
import java.util.List;
import java.util.Map;

/**
 * What budget-alerts knows about one scope in one period (store {@link BudgetTopology#BUDGET_STATE_STORE},
 * key {@code team:acme@2026-11-21}): the latest spend, the budget terms it was last judged by, the
 * alerts already emitted (so each goes out once across replays and restarts), the demand on the
 * gateways and the burn samples of the forecast.
 *
 * @param terms  null while the scope has no budget (its spend is kept so a budget added later is judged at once)
 * @param tenant the tenant of the scope's usage: with the budget's zone, its calendar decides the period
 */
public record BudgetState(
        ScopeType scopeType,
        String scopeId,
        PeriodType period,
        String periodKey,
        long periodStartMillis,
        long periodEndMillis,
        long spendMicros,
        long spendUpdatedAt,
        Map<String, Long> costByModel,
        Map<String, Long> costByAgent,
        BudgetTerms terms,
        List<Integer> thresholdsEmitted,
        boolean hardLimitEmitted,
        boolean forecastEmitted,
        Long predictedExhaustionAt,
        Demand demand,
        List<Sample> samples,
        String tenant) {

    public BudgetState {
        tenant = tenant == null ? "" : tenant;
        costByModel = Map.copyOf(costByModel);
        costByAgent = Map.copyOf(costByAgent);
        thresholdsEmitted = thresholdsEmitted.stream().distinct().sorted().toList();
        samples = List.copyOf(samples);
    }

    public String scope() {
        return Keys.scope(scopeType, scopeId);
    }

    public String key() {
        return Keys.spend(scopeType, scopeId, periodKey);
    }

    /** Share of the soft limit spent, in percent; 0 without terms. */
    public double sharePercent() {
        return terms == null ? 0.0 : spendMicros * 100.0 / terms.limitMicros();
    }

    BudgetState withTerms(BudgetTerms newTerms, long start, long end) {
        return new BudgetState(scopeType, scopeId, period, periodKey, start, end, spendMicros, spendUpdatedAt,
                costByModel, costByAgent, newTerms, thresholdsEmitted, hardLimitEmitted, forecastEmitted,
                predictedExhaustionAt, demand, samples, tenant);
    }

    BudgetState withSpend(long spend, long updatedAt, Map<String, Long> byModel, Map<String, Long> byAgent,
                          List<Sample> newSamples, String spendTenant) {
        return new BudgetState(scopeType, scopeId, period, periodKey, periodStartMillis, periodEndMillis, spend,
                updatedAt, byModel, byAgent, terms, thresholdsEmitted, hardLimitEmitted, forecastEmitted,
                predictedExhaustionAt, demand, newSamples, spendTenant == null || spendTenant.isEmpty() ? tenant : spendTenant);
    }

    BudgetState withOutcome(List<Integer> emitted, boolean hardEmitted, boolean forecast, Long predictedAt,
                            Demand newDemand) {
        return new BudgetState(scopeType, scopeId, period, periodKey, periodStartMillis, periodEndMillis, spendMicros,
                spendUpdatedAt, costByModel, costByAgent, terms, emitted, hardEmitted, forecast, predictedAt,
                newDemand, samples, tenant);
    }
}
