package io.tollgate.gateway.admission;

import io.tollgate.policy.limits.LimitKind;

/** The key and model a limit belongs to ({@code "*"}: across models), as decisions name it. */
record Scope(String keyId, String model) {

    /** The limit for people, e.g. {@code "rpm key=k-1 model=sim-large 60"} (sent in {@code X-Tollgate-Limit}). */
    String describe(LimitKind kind, long limit) {
        return kind.label() + " key=" + keyId + " model=" + model + " " + limit;
    }
}
