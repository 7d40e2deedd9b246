package io.tollgate.metering.dlq;

import io.tollgate.policy.usage.UsagePlausibility;

/**
 * Why a record was sent to {@code tollgate.dead-letter.v1} instead of being counted; the name is the
 * {@code tollgate.dlq.reason} header. The plausibility reasons are {@link UsagePlausibility.Reason}'s names.
 */
public enum DeadLetterReason {
    /** The value is not a Confluent-framed UsageEvent this service can read. */
    DESERIALIZATION,
    /** The record has no key (the API-key id), so it cannot be partitioned or attributed. */
    MISSING_KEY,
    /** The key differs from the event's apiKeyId: counts would land on the wrong partition. */
    KEY_MISMATCH,
    /** The phase is neither REQUEST nor RESPONSE (written with a newer schema). */
    UNKNOWN_PHASE,
    /** See {@link UsagePlausibility.Reason#MISSING_ID}. */
    MISSING_ID,
    /** See {@link UsagePlausibility.Reason#NAME_TOO_LONG}. */
    NAME_TOO_LONG,
    /** See {@link UsagePlausibility.Reason#NEGATIVE}. */
    NEGATIVE,
    /** See {@link UsagePlausibility.Reason#TOKENS_BEYOND_WINDOW}. */
    TOKENS_BEYOND_WINDOW,
    /** See {@link UsagePlausibility.Reason#TOKENS_INCONSISTENT}. */
    TOKENS_INCONSISTENT,
    /** See {@link UsagePlausibility.Reason#PRICE_BEYOND_BOUND}. */
    PRICE_BEYOND_BOUND,
    /** See {@link UsagePlausibility.Reason#COST_MISMATCH}. */
    COST_MISMATCH,
    /** Adding the record to a sum would overflow; the sum is left as it was. */
    OVERFLOW,
    /** Processing the record failed otherwise (the exception is in the detail header). */
    PROCESSING,
    /** The record's output could not be serialized. */
    PRODUCTION;

    public static DeadLetterReason of(UsagePlausibility.Reason reason) {
        return valueOf(reason.name());
    }
}
