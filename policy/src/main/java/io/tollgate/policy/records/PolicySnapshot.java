package io.tollgate.policy.records;

import io.tollgate.schemas.avro.ApiKeyPolicy;
import io.tollgate.schemas.avro.BudgetPolicy;
import io.tollgate.schemas.avro.OrgSettings;
import io.tollgate.schemas.avro.PeriodType;
import io.tollgate.schemas.avro.Policy;
import io.tollgate.schemas.avro.ScopeType;
import io.tollgate.schemas.avro.TenantPolicy;
import io.tollgate.schemas.avro.TierPolicy;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The current policies as seen by a service: records of {@code tollgate.policies.v1} applied one
 * by one (a null value deletes), with lookups by key id, key hash, tier, budget, tenant and the
 * organisation settings. Safe to read from many threads while one thread applies records; each
 * lookup sees a consistent record, not necessarily a consistent set of records.
 */
public final class PolicySnapshot {

    private final Map<String, Policy> byKey = new ConcurrentHashMap<>();
    private final Map<String, ApiKeyPolicy> keysByHash = new ConcurrentHashMap<>();

    /** An empty snapshot: organisation defaults, no keys, tiers, budgets or tenants. */
    public PolicySnapshot() {
    }

    /** A snapshot holding {@code policies}, e.g. the result of {@link PolicyRecords#toPolicies}. */
    public static PolicySnapshot of(Map<String, Policy> policies) {
        PolicySnapshot snapshot = new PolicySnapshot();
        policies.forEach(snapshot::apply);
        return snapshot;
    }

    /**
     * Applies one record of the policy topic. {@code policy == null} is a tombstone. Throws
     * {@link IllegalArgumentException} (naming the key) when the key is not a policy key or does
     * not match the record, so a consumer can dead-letter it.
     */
    public synchronized void apply(String key, Policy policy) {
        Objects.requireNonNull(key, "policy record key");
        if (policy == null) {
            checkKind(key);
            Policy removed = byKey.remove(key);
            if (removed != null && removed.getPolicy() instanceof ApiKeyPolicy old) {
                keysByHash.remove(old.getKeyHash(), old);
            }
            return;
        }
        String expected = PolicyRecords.keyOf(policy);
        if (!expected.equals(key)) {
            throw new IllegalArgumentException("policy record key '" + key + "' does not match its content, which belongs under '"
                    + expected + "'");
        }
        Policy previous = byKey.put(key, policy);
        if (previous != null && previous.getPolicy() instanceof ApiKeyPolicy old) {
            keysByHash.remove(old.getKeyHash(), old);
        }
        if (policy.getPolicy() instanceof ApiKeyPolicy apiKey) {
            keysByHash.put(apiKey.getKeyHash(), apiKey);
        }
    }

    /** The key whose secret hashes (SHA-256, lower-case hex) to {@code keyHash}; revoked keys included. */
    public Optional<ApiKeyPolicy> keyByHash(String keyHash) {
        return Optional.ofNullable(keysByHash.get(keyHash));
    }

    public Optional<ApiKeyPolicy> key(String keyId) {
        return variant(PolicyRecords.apiKeyKey(keyId), ApiKeyPolicy.class);
    }

    public Optional<TierPolicy> tier(String name) {
        return variant(PolicyRecords.tierKey(name), TierPolicy.class);
    }

    public Optional<TenantPolicy> tenant(String name) {
        return variant(PolicyRecords.tenantKey(name), TenantPolicy.class);
    }

    public Optional<BudgetPolicy> budget(ScopeType scope, String scopeId, PeriodType period) {
        return variant(PolicyRecords.budgetKey(scope, scopeId, period), BudgetPolicy.class);
    }

    /** The organisation settings, or the schema defaults (UTC, reset hour 0, warn at 80 %) before any arrive. */
    public OrgSettings orgSettings() {
        return variant(PolicyRecords.ORG_SETTINGS_KEY, OrgSettings.class).orElseGet(() -> OrgSettings.newBuilder().build());
    }

    /** The zone in which {@code tenant}'s days start: its override, else the organisation's. */
    public ZoneId zoneOf(String tenant) {
        return ZoneId.of(tenant(tenant).map(TenantPolicy::getZone).orElse(orgSettings().getZone()));
    }

    /** The hour at which {@code tenant}'s days start: its override, else the organisation's. */
    public int resetHourOf(String tenant) {
        return tenant(tenant).map(TenantPolicy::getResetHour).orElse(orgSettings().getResetHour());
    }

    public List<ApiKeyPolicy> keys() {
        return variants(ApiKeyPolicy.class);
    }

    public List<TierPolicy> tiers() {
        return variants(TierPolicy.class);
    }

    public List<BudgetPolicy> budgets() {
        return variants(BudgetPolicy.class);
    }

    public List<TenantPolicy> tenants() {
        return variants(TenantPolicy.class);
    }

    /** Every record, sorted by key. */
    public Map<String, Policy> records() {
        return new TreeMap<>(byKey);
    }

    public int size() {
        return byKey.size();
    }

    /**
     * What to publish so that the topic holds {@code desired}: new or changed records (compared
     * by content, ignoring {@code updatedAt} and {@code source}) in {@code desired}'s order, then a
     * null (tombstone) for every key held here but absent from {@code desired}.
     */
    public Map<String, Policy> changesTo(Map<String, Policy> desired) {
        Map<String, Policy> changes = new LinkedHashMap<>();
        desired.forEach((key, policy) -> {
            Policy current = byKey.get(key);
            if (current == null || !Objects.equals(current.getPolicy(), policy.getPolicy())) {
                changes.put(key, policy);
            }
        });
        new TreeMap<>(byKey).keySet().stream().filter(key -> !desired.containsKey(key))
                .forEach(key -> changes.put(key, null));
        return changes;
    }

    private <T> Optional<T> variant(String key, Class<T> type) {
        Policy policy = byKey.get(key);
        return policy != null && type.isInstance(policy.getPolicy()) ? Optional.of(type.cast(policy.getPolicy()))
                : Optional.empty();
    }

    private <T> List<T> variants(Class<T> type) {
        return new TreeMap<>(byKey).values().stream().map(Policy::getPolicy).filter(type::isInstance).map(type::cast)
                .toList();
    }

    private static void checkKind(String key) {
        if (!PolicyRecords.isPolicyKey(key)) {
            throw new IllegalArgumentException("'" + key + "' is not a policy record key; expected org:settings, "
                    + "tenant:<name>, tier:<name>, key:<id> or budget:<scope>:<id>@<PERIOD>");
        }
    }
}
