package io.tollgate.gateway.admission;

import io.tollgate.policy.limits.LimitKind;
import io.tollgate.policy.limits.RateLimits;

/**
 * How N gateways share one key's per-minute limits without asking one another. Each takes at most
 * {@code ceil(free / N)} of what its view shows free ({@code free = limit - the view's count}), and
 * counts against that share its own admissions until every gateway's view has counted them
 * ({@link ScopeUsage#unsettled}). If the gateways' views show the same count {@code V}, together they
 * hold {@code V + N x ceil((limit - V) / N) <= limit + N - 1}: at most one call per extra gateway
 * beyond the limit, from the rounding. A gateway past its share waits {@link #RECHECK_MILLIS} and
 * looks again, since its share frees up as the views count its calls.
 *
 * <p>A call needing more tokens than one share may still go when this gateway has nothing unsettled
 * and the call fits what is free: otherwise a call larger than {@code tpm / N} would never be
 * admitted. For tokens the bound is therefore {@code limit + (N - 1) x} the largest such call. Daily
 * quotas take no share: a day's count is far larger than what the views' lag can hide.
 */
final class ShareRule {

    /** How soon a gateway past its share looks again: about the rate at which the views move on. */
    static final long RECHECK_MILLIS = 50;

    private ShareRule() {
    }

    /** The wait when this gateway's share of the rpm or tpm is taken, else null. */
    static AdmissionDecision.Wait check(RateLimits limits, ScopeUsage usage, Scope scope, long reservedTokens,
                                        int gateways) {
        if (gateways <= 1) {
            return null;
        }
        Long rpm = limits.requestsPerMinute();
        Long tpm = limits.tokensPerMinute();
        AdmissionDecision.Wait byRequests = rpm == null ? null : wait(LimitKind.RPM, rpm, 1, usage, scope, gateways);
        AdmissionDecision.Wait byTokens = tpm == null ? null
                : wait(LimitKind.TPM, tpm, reservedTokens, usage, scope, gateways);
        return byRequests != null ? byRequests : byTokens;
    }

    private static AdmissionDecision.Wait wait(LimitKind kind, long limit, long need, ScopeUsage usage, Scope scope,
                                               int gateways) {
        long free = Math.max(0, limit - usage.viewed(kind));
        long unsettled = usage.unsettled(kind);
        if (unsettled + need <= Math.ceilDiv(free, gateways) || (unsettled == 0 && need <= free)) {
            return null;
        }
        return new AdmissionDecision.Wait(AdmissionDecision.Kind.of(kind), RECHECK_MILLIS,
                scope.describe(kind, limit) + " (share of " + gateways + " gateways)");
    }
}
