package io.tollgate.gateway.admission;

import io.tollgate.policy.scope.Keys;
import io.tollgate.schemas.avro.ApiKeyPolicy;
import io.tollgate.schemas.avro.ModelLimit;
import io.tollgate.schemas.avro.Policy;
import io.tollgate.schemas.avro.TierPolicy;
import io.tollgate.schemas.policy.TollgateConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A key's effective limits per model, from tier and key policies.
 * <ul>
 *   <li>The key's tier comes from its {@link ApiKeyPolicy}, else from the caller (auth).</li>
 *   <li>A tier's limit entry for a model applies to the key and that model; the {@code "*"} entry
 *       applies to the key across all models.</li>
 *   <li>A key's override for a model (or {@code "*"}) replaces, field by field, what its tier says.</li>
 *   <li>A tier with no policy falls back to the seed documents' tiers ({@link #SEED_TIERS}: free,
 *       tier1, tier2, paid); an unknown tier without policy gets the {@code free} limits, the most
 *       cautious, and a warning in the log.</li>
 * </ul>
 * Policies arrive through {@link #apply} (records of {@code tollgate.policies.v1}) or
 * {@link #fromConfig}; lookups are cached and the cache is dropped on every policy change.
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

    private record CacheKey(String keyId, String tier, String model) {
    }

    private record KeyPolicy(String tier, Map<String, RateLimits> overrides) {
    }

    private final Map<String, Map<String, RateLimits>> tiers = new ConcurrentHashMap<>();
    private final Map<String, KeyPolicy> keys = new ConcurrentHashMap<>();
    private final Map<CacheKey, EffectiveLimits> cache = new ConcurrentHashMap<>();
    private final Map<String, Boolean> warnedTiers = new ConcurrentHashMap<>();
    // bumped on every policy change, so a lookup racing with a change never caches the old answer
    private final AtomicLong generation = new AtomicLong();

    /** A resolver that knows only the seed tiers until policies are applied. */
    public LimitResolver() {
    }

    /** A resolver with the tiers and keys of a policy file. */
    public static LimitResolver fromConfig(TollgateConfig config) {
        LimitResolver resolver = new LimitResolver();
        for (TollgateConfig.Tier tier : config.tiers()) {
            resolver.putTier(tier.name(), byModel(tier.limits(), RateLimits::of, TollgateConfig.Limit::model));
        }
        for (TollgateConfig.ApiKey key : config.keys()) {
            resolver.putKey(key.id(), key.tier(), byModel(key.limits(), RateLimits::of, TollgateConfig.Limit::model));
        }
        return resolver;
    }

    /**
     * Applies one record of {@code tollgate.policies.v1}: {@code tier:<name>} and {@code key:<id>}
     * are used, other kinds are ignored; a null value (tombstone) removes the tier or key.
     */
    public void apply(String policyKey, Policy value) {
        if (policyKey == null) {
            throw new IllegalArgumentException("policy record without a key; expected 'tier:<name>' or 'key:<id>'");
        }
        if (value == null) {
            if (policyKey.startsWith("tier:")) {
                removeTier(policyKey.substring("tier:".length()));
            } else if (policyKey.startsWith("key:")) {
                removeKey(policyKey.substring("key:".length()));
            }
            return;
        }
        switch (value.getPolicy()) {
            case TierPolicy tier -> putTier(tier.getName(), byModel(tier.getLimits(), RateLimits::of, ModelLimit::getModel));
            case ApiKeyPolicy key -> putKey(key.getKeyId(), key.getTier(),
                    byModel(key.getLimitOverrides(), RateLimits::of, ModelLimit::getModel));
            default -> {
                // budgets, tenants and organisation settings do not set rate limits
            }
        }
    }

    /** Sets a tier's limits per model ({@code "*"} = across models), replacing earlier ones. */
    public void putTier(String name, Map<String, RateLimits> limitsByModel) {
        tiers.put(requireName("tier", name), Map.copyOf(limitsByModel));
        changed();
    }

    /** Sets a key's tier (may be null: the caller's) and its overrides per model. */
    public void putKey(String keyId, String tier, Map<String, RateLimits> overridesByModel) {
        keys.put(requireName("key id", keyId), new KeyPolicy(tier, Map.copyOf(overridesByModel)));
        changed();
    }

    public void removeTier(String name) {
        tiers.remove(name);
        changed();
    }

    public void removeKey(String keyId) {
        keys.remove(keyId);
        changed();
    }

    /** The limits of {@code keyId} calling {@code model}; {@code callerTier} is used when no key policy names one. */
    public EffectiveLimits limitsFor(String keyId, String callerTier, String model) {
        CacheKey cacheKey = new CacheKey(keyId, callerTier, model);
        EffectiveLimits cached = cache.get(cacheKey);
        if (cached != null) {
            return cached;
        }
        long before = generation.get();
        EffectiveLimits resolved = resolve(keyId, callerTier, model);
        if (generation.get() == before) {
            cache.put(cacheKey, resolved);
            if (generation.get() != before) {
                cache.remove(cacheKey, resolved);
            }
        }
        return resolved;
    }

    private void changed() {
        generation.incrementAndGet();
        cache.clear();
    }

    private EffectiveLimits resolve(String keyId, String callerTier, String model) {
        KeyPolicy key = keys.get(keyId);
        String tierName = key != null && key.tier() != null && !key.tier().isBlank() ? key.tier() : callerTier;
        Map<String, RateLimits> tier = tierLimits(tierName);
        Map<String, RateLimits> overrides = key == null ? Map.of() : key.overrides();
        RateLimits perModel = tier.getOrDefault(model, RateLimits.NONE).overriddenBy(overrides.get(model));
        RateLimits across = tier.getOrDefault(Keys.ALL_MODELS, RateLimits.NONE)
                .overriddenBy(overrides.get(Keys.ALL_MODELS));
        return new EffectiveLimits(perModel, across);
    }

    private Map<String, RateLimits> tierLimits(String tierName) {
        if (tierName != null) {
            Map<String, RateLimits> fromPolicy = tiers.get(tierName);
            if (fromPolicy != null) {
                return fromPolicy;
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
        Map<String, RateLimits> fallback = tiers.get(DEFAULT_TIER);
        return fallback != null ? fallback : SEED_TIERS.get(DEFAULT_TIER);
    }

    private static <T> Map<String, RateLimits> byModel(List<T> limits, Function<T, RateLimits> convert,
                                                      Function<T, String> model) {
        Map<String, RateLimits> result = new HashMap<>();
        for (T limit : limits) {
            String name = model.apply(limit) == null ? Keys.ALL_MODELS : model.apply(limit);
            result.merge(name, convert.apply(limit), RateLimits::overriddenBy);
        }
        return result;
    }

    private static String requireName(String what, String name) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException(what + " is '" + name + "'; expected a non-empty name");
        }
        return name;
    }
}
