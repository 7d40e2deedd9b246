package io.tollgate.gateway.admission;

import io.tollgate.policy.limits.LimitKind;
import io.tollgate.policy.limits.RateLimits;

/**
 * Requests and tokens per trailing minute (rpm, tpm) of one scope, over
 * {@link io.tollgate.policy.window.TrailingWindow}: a call that does not fit gets
 * {@link AdmissionDecision.Wait} with the time until enough of the oldest counted buckets have left the
 * window. A limit no call can ever meet (rpm 0, or more tokens than the tpm itself) is
 * {@link AdmissionDecision.Refused}.
 */
final class TrailingWindowCheck {

    private TrailingWindowCheck() {
    }

    /** A refusal, else the longer of the two waits, else null when the call fits both limits. */
    static AdmissionDecision check(RateLimits limits, ScopeUsage usage, Scope scope, long reservedTokens) {
        Long rpm = limits.requestsPerMinute();
        if (rpm != null && rpm == 0) {
            return new AdmissionDecision.Refused(AdmissionDecision.Kind.RPM, scope.describe(LimitKind.RPM, 0), 0, 429,
                    "no requests allowed per minute");
        }
        Long tpm = limits.tokensPerMinute();
        if (tpm != null && reservedTokens > tpm) {
            return new AdmissionDecision.Refused(AdmissionDecision.Kind.TPM, scope.describe(LimitKind.TPM, tpm), 0,
                    429, "the call needs " + reservedTokens + " tokens, more than the limit of " + tpm
                    + " tokens per minute");
        }
        AdmissionDecision.Wait byRequests = rpm == null ? null : wait(LimitKind.RPM, rpm, 1, usage, scope);
        AdmissionDecision.Wait byTokens = tpm == null ? null : wait(LimitKind.TPM, tpm, reservedTokens, usage, scope);
        return longer(byRequests, byTokens);
    }

    private static AdmissionDecision.Wait wait(LimitKind kind, long limit, long need, ScopeUsage usage, Scope scope) {
        long excess = usage.used(kind) + need - limit;
        if (excess <= 0) {
            return null;
        }
        return new AdmissionDecision.Wait(AdmissionDecision.Kind.of(kind), usage.millisUntilFree(kind, excess),
                scope.describe(kind, limit));
    }

    /** The longer of two waits, either of which may be null. */
    static AdmissionDecision.Wait longer(AdmissionDecision.Wait a, AdmissionDecision.Wait b) {
        if (a == null || b == null) {
            return a == null ? b : a;
        }
        return a.waitMillis() >= b.waitMillis() ? a : b;
    }
}
