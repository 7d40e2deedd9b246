package io.tollgate.policy.limits;

import io.tollgate.schemas.avro.ModelLimit;
import io.tollgate.schemas.policy.TollgateConfig;

/**
 * Requests and tokens per minute and per day for one scope (a key and model, or a key across
 * models); a null field means unlimited.
 */
public record RateLimits(Long requestsPerMinute, Long tokensPerMinute, Long requestsPerDay, Long tokensPerDay) {

    public static final RateLimits NONE = new RateLimits(null, null, null, null);

    public RateLimits {
        requirePositive("requestsPerMinute", requestsPerMinute);
        requirePositive("tokensPerMinute", tokensPerMinute);
        requirePositive("requestsPerDay", requestsPerDay);
        requirePositive("tokensPerDay", tokensPerDay);
    }

    public static RateLimits of(ModelLimit limit) {
        return new RateLimits(limit.getRequestsPerMinute(), limit.getTokensPerMinute(), limit.getRequestsPerDay(),
                limit.getTokensPerDay());
    }

    public static RateLimits of(TollgateConfig.Limit limit) {
        return new RateLimits(limit.requestsPerMinute(), limit.tokensPerMinute(), limit.requestsPerDay(),
                limit.tokensPerDay());
    }

    /** These limits with every field that {@code override} sets replaced by the override's value. */
    public RateLimits overriddenBy(RateLimits override) {
        if (override == null || override.equals(NONE)) {
            return this;
        }
        return new RateLimits(
                override.requestsPerMinute != null ? override.requestsPerMinute : requestsPerMinute,
                override.tokensPerMinute != null ? override.tokensPerMinute : tokensPerMinute,
                override.requestsPerDay != null ? override.requestsPerDay : requestsPerDay,
                override.tokensPerDay != null ? override.tokensPerDay : tokensPerDay);
    }

    /** The limit of {@code kind}, or null when unlimited. */
    public Long get(LimitKind kind) {
        return switch (kind) {
            case RPM -> requestsPerMinute;
            case TPM -> tokensPerMinute;
            case RPD -> requestsPerDay;
            case TPD -> tokensPerDay;
        };
    }

    public boolean unlimited() {
        return requestsPerMinute == null && tokensPerMinute == null && requestsPerDay == null && tokensPerDay == null;
    }

    private static void requirePositive(String field, Long value) {
        if (value != null && value < 0) {
            throw new IllegalArgumentException(field + " is " + value + "; expected a limit >= 0 or null for unlimited");
        }
    }
}
