package io.tollgate.policy.records;

import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.Policy;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * The one rule every reader of {@code tollgate.policies.v1} applies (gateway, metering-stream, budget-alerts,
 * CLI): a record is applied only when its key is a policy key, its value is readable, and the value belongs
 * under that key ({@link PolicyRecords#keyOf}). Anything else is refused with a {@link Problem} and never
 * applied: a record {@code key:k-intruder} carrying key {@code k-t9} must not replace {@code k-t9}.
 */
public final class PolicyRecordCheck {

    /** Why a policy record is refused; the name is the dead-letter reason. */
    public enum Problem {
        /** The record has no key: it cannot be looked up, replaced or deleted. */
        MISSING_KEY,
        /** The key is not a policy key ({@link PolicyRecords#isPolicyKey}). */
        UNKNOWN_KIND,
        /** The value cannot be read as a Policy (not Avro, unknown schema id, unknown variant). */
        UNREADABLE,
        /** The value belongs under another key. */
        KEY_MISMATCH
    }

    /** What a reader does with one record. */
    public sealed interface Outcome permits Apply, Refuse {
        String key();
    }

    /** Apply: put {@code policy} under {@code key}, or delete the key when {@code policy} is null (tombstone). */
    public record Apply(String key, Policy policy) implements Outcome {
        public boolean isDelete() {
            return policy == null;
        }
    }

    /** Refuse: never applied; dead-lettered with {@code problem} as the reason. */
    public record Refuse(String key, Problem problem, String detail) implements Outcome {
    }

    private PolicyRecordCheck() {
    }

    /** Checks a raw record; {@code value == null} is a tombstone. Never throws. */
    public static Outcome check(String key, byte[] value, Deserializer<Policy> deserializer) {
        Outcome keyProblem = checkKey(key);
        if (keyProblem != null || value == null) {
            return keyProblem != null ? keyProblem : new Apply(key, null);
        }
        Policy policy;
        try {
            policy = deserializer.deserialize(Topics.POLICIES, value);
        } catch (RuntimeException e) {
            return new Refuse(key, Problem.UNREADABLE, "policy record '" + key + "' cannot be read: " + e.getMessage());
        }
        return check(key, policy);
    }

    /** Checks a record already read; {@code policy == null} is a tombstone. Never throws. */
    public static Outcome check(String key, Policy policy) {
        Outcome keyProblem = checkKey(key);
        if (keyProblem != null) {
            return keyProblem;
        }
        if (policy == null) {
            return new Apply(key, null);
        }
        String expected;
        try {
            expected = PolicyRecords.keyOf(policy);
        } catch (RuntimeException e) {
            return new Refuse(key, Problem.UNREADABLE, "policy record '" + key + "' holds no known policy: " + e.getMessage());
        }
        if (!expected.equals(key)) {
            return new Refuse(key, Problem.KEY_MISMATCH, "policy record key '" + key
                    + "' does not match its content, which belongs under '" + expected + "'");
        }
        return new Apply(key, policy);
    }

    private static Outcome checkKey(String key) {
        if (key == null || key.isEmpty()) {
            return new Refuse(key, Problem.MISSING_KEY, "policy record without a key");
        }
        if (!PolicyRecords.isPolicyKey(key)) {
            return new Refuse(key, Problem.UNKNOWN_KIND, "'" + key + "' is not a policy record key; expected "
                    + "org:settings, routing:settings, tenant:<name>, tier:<name>, key:<id>, model:<id>, provider:<name> "
                    + "or budget:<scope>:<id>@<PERIOD>");
        }
        return null;
    }
}
