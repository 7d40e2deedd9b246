package io.tollgate.metering.dlq;

/** Why a usage record was sent to {@code tollgate.dead-letter.v1} instead of being counted. */
public enum DeadLetterReason {
    /** The value is not a Confluent-framed UsageEvent this service can read. */
    DESERIALIZATION,
    /** The record has no key (the API-key id), so it cannot be partitioned or attributed. */
    MISSING_KEY,
    /** The key differs from the event's apiKeyId: counts would land on the wrong partition. */
    KEY_MISMATCH,
    /** A REQUEST reserving negative tokens or cost, or a RESPONSE reporting negative actuals. */
    NEGATIVE_TOKENS,
    /** The phase is neither REQUEST nor RESPONSE (written with a newer schema). */
    UNKNOWN_PHASE,
    /** Event time older than the partition's observed event time minus the grace period. */
    LATE
}
