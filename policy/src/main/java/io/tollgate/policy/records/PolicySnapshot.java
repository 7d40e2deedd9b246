package io.tollgate.policy.records;

import io.tollgate.schemas.avro.ApiKeyPolicy;
import io.tollgate.schemas.avro.BudgetPolicy;
import io.tollgate.schemas.avro.Policy;
import io.tollgate.schemas.avro.TenantPolicy;
import io.tollgate.schemas.avro.TierPolicy;
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
public final class PolicySnapshot implements PolicySource {

    private final Map<String, Policy> byKey = new ConcurrentHashMap<>();
    private final Map<String, ApiKeyPolicy> keysByHash = new ConcurrentHashMap<>();
    private final java.util.concurrent.atomic.AtomicLong version = new java.util.concurrent.atomic.AtomicLong();

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
     * {@link IllegalArgumentException} (naming the key) when {@link PolicyRecordCheck} refuses the record,
     * so a consumer can dead-letter it; a refused record changes nothing.
     */
    public synchronized void apply(String key, Policy policy) {
        if (PolicyRecordCheck.check(key, policy) instanceof PolicyRecordCheck.Refuse refuse) {
            throw new IllegalArgumentException(refuse.detail());
        }
        Policy previous = policy == null ? byKey.remove(key) : byKey.put(key, policy);
        if (previous != null && previous.getPolicy() instanceof ApiKeyPolicy old) {
            keysByHash.remove(old.getKeyHash(), old);
        }
        if (policy != null && policy.getPolicy() instanceof ApiKeyPolicy apiKey) {
            keysByHash.put(apiKey.getKeyHash(), apiKey);
        }
        version.incrementAndGet();
    }

    @Override
    public Policy get(String recordKey) {
        return byKey.get(recordKey);
    }

    @Override
    public long version() {
        return version.get();
    }

    /** The key whose secret hashes (SHA-256, lower-case hex) to {@code keyHash}; revoked keys included. */
    public Optional<ApiKeyPolicy> keyByHash(String keyHash) {
        return Optional.ofNullable(keysByHash.get(keyHash));
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

    public List<io.tollgate.schemas.avro.ModelPolicy> models() {
        return variants(io.tollgate.schemas.avro.ModelPolicy.class);
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

    private <T> List<T> variants(Class<T> type) {
        return new TreeMap<>(byKey).values().stream().map(Policy::getPolicy).filter(type::isInstance).map(type::cast)
                .toList();
    }
}
