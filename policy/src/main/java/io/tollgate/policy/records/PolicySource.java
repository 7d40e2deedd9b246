package io.tollgate.policy.records;

import io.tollgate.schemas.avro.ApiKeyPolicy;
import io.tollgate.schemas.avro.BudgetPolicy;
import io.tollgate.schemas.avro.OrgSettings;
import io.tollgate.schemas.avro.PeriodType;
import io.tollgate.schemas.avro.Policy;
import io.tollgate.schemas.avro.ScopeType;
import io.tollgate.schemas.avro.TenantPolicy;
import io.tollgate.schemas.avro.TierPolicy;
import java.util.Optional;

/**
 * Read access to the records of {@code tollgate.policies.v1}, however a service holds them: a
 * {@link PolicySnapshot} (gateway, CLI), a Streams global store (metering-stream, budget-alerts). The
 * rules of the policy module ({@code Calendars}, {@code LimitResolver}) read policies only through this,
 * so every service answers the same question the same way from the same records.
 */
@FunctionalInterface
public interface PolicySource {

    /** A source with no records: every rule falls back to its defaults. */
    PolicySource EMPTY = key -> null;

    /** The record under {@code recordKey} (e.g. {@code tenant:acme}), or null when there is none. */
    Policy get(String recordKey);

    /**
     * A number that changes whenever any record changes, so derived answers can be cached; negative when the
     * source cannot tell (derived answers are then computed afresh).
     */
    default long version() {
        return -1;
    }

    default <T> Optional<T> variant(String recordKey, Class<T> type) {
        Policy policy = get(recordKey);
        return policy != null && type.isInstance(policy.getPolicy()) ? Optional.of(type.cast(policy.getPolicy()))
                : Optional.empty();
    }

    default Optional<ApiKeyPolicy> key(String keyId) {
        return variant(PolicyRecords.apiKeyKey(keyId), ApiKeyPolicy.class);
    }

    default Optional<TierPolicy> tier(String name) {
        return variant(PolicyRecords.tierKey(name), TierPolicy.class);
    }

    default Optional<TenantPolicy> tenant(String name) {
        return variant(PolicyRecords.tenantKey(name), TenantPolicy.class);
    }

    /** The organisation settings record, when one was published. */
    default Optional<OrgSettings> org() {
        return variant(PolicyRecords.ORG_SETTINGS_KEY, OrgSettings.class);
    }

    /** The budget record of exactly this scope and period. */
    default Optional<BudgetPolicy> budget(ScopeType scope, String scopeId, PeriodType period) {
        return variant(PolicyRecords.budgetKey(scope, scopeId, period), BudgetPolicy.class);
    }

    /**
     * The budget that applies to a scope and period: its own, or for a conversation without one, the
     * {@code conversation:*} budget (every conversation gets its own copy of that budget).
     */
    default Optional<BudgetPolicy> budgetFor(ScopeType scope, String scopeId, PeriodType period) {
        Optional<BudgetPolicy> own = budget(scope, scopeId, period);
        if (own.isPresent() || scope != ScopeType.CONVERSATION) {
            return own;
        }
        return budget(scope, PolicyRecords.ANY_CONVERSATION, period);
    }
}
