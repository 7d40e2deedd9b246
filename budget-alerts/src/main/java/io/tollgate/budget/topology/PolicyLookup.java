package io.tollgate.budget.topology;

import io.tollgate.schemas.avro.ApiKeyPolicy;
import io.tollgate.schemas.avro.BudgetPolicy;
import io.tollgate.schemas.avro.ModelLimit;
import io.tollgate.schemas.avro.OrgSettings;
import io.tollgate.schemas.avro.PeriodType;
import io.tollgate.schemas.avro.Policy;
import io.tollgate.schemas.avro.ScopeType;
import io.tollgate.schemas.avro.TenantPolicy;
import io.tollgate.schemas.avro.TierPolicy;
import io.tollgate.policy.records.PolicyRecords;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Reads the policies the global store holds (tollgate.policies.v1): budgets with their zone and
 * reset hour resolved, the organisation's quota warning share, and daily request quotas of keys.
 */
public final class PolicyLookup {

    private final ReadOnlyKeyValueStore<String, Policy> policies;
    private final ZoneId defaultZone;
    private final int defaultQuotaWarningPercent;

    public PolicyLookup(ReadOnlyKeyValueStore<String, Policy> policies, ZoneId defaultZone, int defaultQuotaWarningPercent) {
        this.policies = policies;
        this.defaultZone = defaultZone;
        this.defaultQuotaWarningPercent = defaultQuotaWarningPercent;
    }

    /** Policy-topic key of a budget: {@code budget:team:acme@DAY} (the spelling PolicyRecords writes). */
    public static String budgetKey(ScopeType type, String id, PeriodType period) {
        return PolicyRecords.budgetKey(type, id, period);
    }

    /** The budget of a scope and period type, or empty when there is none (or it was deleted). */
    public Optional<BudgetTerms> budget(ScopeType type, String id, PeriodType period) {
        Policy policy = policies.get(budgetKey(type, id, period));
        if (policy == null || !(policy.getPolicy() instanceof BudgetPolicy budget)) {
            return Optional.empty();
        }
        return Optional.of(terms(budget));
    }

    /** Terms of a budget record, zone resolved. */
    public BudgetTerms terms(BudgetPolicy budget) {
        Optional<OrgSettings> org = org();
        Optional<TenantPolicy> tenant = budget.getScopeType() == ScopeType.TENANT
                ? policy(PolicyRecords.tenantKey(budget.getScopeId()), TenantPolicy.class) : Optional.empty();
        String zone = budget.getZone() != null ? budget.getZone().toString()
                : tenant.map(TenantPolicy::getZone).map(CharSequence::toString)
                        .or(() -> org.map(o -> o.getZone().toString()))
                        .orElse(defaultZone.getId());
        int resetHour = tenant.map(TenantPolicy::getResetHour)
                .or(() -> org.map(OrgSettings::getResetHour))
                .orElse(0);
        return BudgetTerms.of(budget, zone, resetHour);
    }

    public int quotaWarningPercent() {
        return org().map(OrgSettings::getQuotaWarningPercent).filter(p -> p > 0 && p <= 100)
                .orElse(defaultQuotaWarningPercent);
    }

    /**
     * The daily request quota of a key for a model ('*' = all models together): the key's own
     * override first, then its tier's limit for exactly that model; empty when unlimited or unknown.
     */
    public Optional<Long> requestsPerDay(String apiKeyId, String model) {
        Optional<ApiKeyPolicy> key = policy(PolicyRecords.apiKeyKey(apiKeyId), ApiKeyPolicy.class);
        if (key.isEmpty()) {
            return Optional.empty();
        }
        Optional<Long> override = requestsPerDay(key.get().getLimitOverrides(), model);
        if (override.isPresent()) {
            return override;
        }
        return policy(PolicyRecords.tierKey(key.get().getTier()), TierPolicy.class)
                .flatMap(tier -> requestsPerDay(tier.getLimits(), model));
    }

    private static Optional<Long> requestsPerDay(List<ModelLimit> limits, String model) {
        return limits.stream()
                .filter(l -> model.equals(l.getModel().toString()) && l.getRequestsPerDay() != null)
                .map(ModelLimit::getRequestsPerDay)
                .findFirst();
    }

    private Optional<OrgSettings> org() {
        return policy(PolicyRecords.ORG_SETTINGS_KEY, OrgSettings.class);
    }

    private <T> Optional<T> policy(String key, Class<T> type) {
        Policy policy = policies.get(key);
        return policy != null && type.isInstance(policy.getPolicy()) ? Optional.of(type.cast(policy.getPolicy())) : Optional.empty();
    }
}
