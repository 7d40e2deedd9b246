package io.tollgate.gateway.admission;

import io.tollgate.policy.limits.LimitKind;
import io.tollgate.policy.limits.RateLimits;

/**
 * Requests and tokens per day (rpd, tpd) of one scope: a call that would pass either is
 * {@link AdmissionDecision.Refused} with 429 and {@code Retry-After} at the day's end, since waiting
 * within a call cannot help.
 */
final class DailyQuotaCheck {

    private DailyQuotaCheck() {
    }

    /** The refusal, or null when the call fits today's quotas. */
    static AdmissionDecision.Refused check(RateLimits limits, ScopeUsage usage, Scope scope, long reservedTokens,
                                           long now) {
        Long rpd = limits.requestsPerDay();
        long requests = usage.used(LimitKind.RPD);
        if (rpd != null && requests + 1 > rpd) {
            return refused(LimitKind.RPD, scope, rpd, usage, now,
                    "daily request quota of " + rpd + " used (" + requests + " today)");
        }
        Long tpd = limits.tokensPerDay();
        long tokens = usage.used(LimitKind.TPD);
        if (tpd != null && tokens + reservedTokens > tpd) {
            return refused(LimitKind.TPD, scope, tpd, usage, now, "daily token quota of " + tpd
                    + " would be exceeded (" + tokens + " used today, " + reservedTokens + " asked)");
        }
        return null;
    }

    private static AdmissionDecision.Refused refused(LimitKind kind, Scope scope, long limit, ScopeUsage usage,
                                                     long now, String reason) {
        return new AdmissionDecision.Refused(AdmissionDecision.Kind.of(kind), scope.describe(kind, limit),
                Math.max(0, usage.dayEndMillis() - now), 429, reason);
    }
}
