package io.tollgate.policy.limits;

/**
 * The limits one call is checked against: those of the key for this model, and those of the key
 * across all models (the {@code "*"} entries).
 */
public record EffectiveLimits(RateLimits perModel, RateLimits acrossModels) {

    public static final EffectiveLimits NONE = new EffectiveLimits(RateLimits.NONE, RateLimits.NONE);
}
