package io.tollgate.policy.limits;

import io.tollgate.policy.records.PolicySource;
import io.tollgate.policy.scope.Keys;
import io.tollgate.schemas.avro.ApiKeyPolicy;
import io.tollgate.schemas.avro.ModelLimit;
import io.tollgate.schemas.avro.TierPolicy;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A key's effective limits for a model, resolved the same way by the gateway (admission), budget-alerts
 * (quota alerts) and metering-stream (wait times):
 * <ol>
 *   <li>the key's tier: its {@link TierPolicy} record, else the seed documents' tier of that name
 *       ({@link #SEED_TIERS}: free, tier1, tier2, paid), else the {@code free} limits (the most cautious;
 *       logged once per tier name);</li>
 *   <li>the tier's entry for the model applies to the key and that model, its {@code "*"} entry to the key
 *       across all models;</li>
 *   <li>the key's own overrides ({@code limitOverrides}) replace what the tier says, field by field.</li>
 * </ol>
 * A key without a policy has no limits here: the gateway never admits such a key, and the other services
 * have nothing to enforce. Lookups are cached while the source's {@link PolicySource#version()} stays the same.
 */
public final class LimitResolver {

    /** Tier limits of the seed documents (OpenAI's published tiers), across models. */
    public static final Map<String, Map<String, RateLimits>> SEED_TIERS = Map.of(
            "free", Map.of(Keys.ALL_MODELS, new RateLimits(200L, 40_000L, 500L, null)),
            "tier1", Map.of(Keys.ALL_MODELS, new RateLimits(500L, 200_000L, 10_000L, null)),
            "tier2", Map.of(Keys.ALL_MODELS, new RateLimits(5_000L, 2_000_000L, 100_000L, null)),
            "paid", Map.of(Keys.ALL_MODELS, new RateLimits(10_000L, 30_000_000L, null, null)));

    private static final Logger LOG = LoggerFactory.getLogger(LimitResolver.class);
    private static final String DEFAULT_TIER = "free";

    private record CacheKey(String keyId, String model) {
    }

    private record Cached(long version, EffectiveLimits limits) {
    }

    private final PolicySource policies;
    private final Map<CacheKey, Cached> cache = new ConcurrentHashMap<>();
    private final Map<String, Boolean> warnedTiers = new ConcurrentHashMap<>();

    public LimitResolver(PolicySource policies) {
        this.policies = Objects.requireNonNull(policies, "policies");
    }

    /** The limits of key {@code keyId} calling {@code model} ({@code "*"}: the across-models limits only). */
    public EffectiveLimits limitsFor(String keyId, String model) {
        long version = policies.version();
        if (version < 0) {
            return resolve(keyId, model);
        }
        CacheKey cacheKey = new CacheKey(keyId, model);
        Cached cached = cache.get(cacheKey);
        if (cached != null && cached.version() == version) {
            return cached.limits();
        }
        EffectiveLimits resolved = resolve(keyId, model);
        cache.put(cacheKey, new Cached(version, resolved));
        return resolved;
    }

    /** The single limit of {@code kind} for the key and model ({@code "*"} = across models), or null when unlimited. */
    public Long limit(String keyId, String model, LimitKind kind) {
        EffectiveLimits limits = limitsFor(keyId, model);
        return (Keys.ALL_MODELS.equals(model) ? limits.acrossModels() : limits.perModel()).get(kind);
    }

    private EffectiveLimits resolve(String keyId, String model) {
        Optional<ApiKeyPolicy> key = policies.key(keyId);
        if (key.isEmpty()) {
            return EffectiveLimits.NONE;
        }
        Map<String, RateLimits> tier = tierLimits(key.get().getTier());
        Map<String, RateLimits> overrides = byModel(key.get().getLimitOverrides());
        RateLimits across = tier.getOrDefault(Keys.ALL_MODELS, RateLimits.NONE).overriddenBy(overrides.get(Keys.ALL_MODELS));
        RateLimits perModel = Keys.ALL_MODELS.equals(model) ? RateLimits.NONE
                : tier.getOrDefault(model, RateLimits.NONE).overriddenBy(overrides.get(model));
        return new EffectiveLimits(perModel, across);
    }

    private Map<String, RateLimits> tierLimits(String tierName) {
        if (tierName != null) {
            Optional<TierPolicy> fromPolicy = policies.tier(tierName);
            if (fromPolicy.isPresent()) {
                return byModel(fromPolicy.get().getLimits());
            }
            Map<String, RateLimits> seed = SEED_TIERS.get(tierName);
            if (seed != null) {
                return seed;
            }
        }
        if (warnedTiers.putIfAbsent(String.valueOf(tierName), Boolean.TRUE) == null) {
            LOG.warn("tier '{}' has no policy and is not one of the seed tiers {}; using the '{}' limits",
                    tierName, SEED_TIERS.keySet(), DEFAULT_TIER);
        }
        return policies.tier(DEFAULT_TIER).map(t -> byModel(t.getLimits())).orElse(SEED_TIERS.get(DEFAULT_TIER));
    }

    private static Map<String, RateLimits> byModel(List<ModelLimit> limits) {
        Map<String, RateLimits> result = new java.util.HashMap<>();
        for (ModelLimit limit : limits) {
            String name = limit.getModel() == null ? Keys.ALL_MODELS : limit.getModel();
            result.merge(name, RateLimits.of(limit), RateLimits::overriddenBy);
        }
        return result;
    }
}
