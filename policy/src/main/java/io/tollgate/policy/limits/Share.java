package io.tollgate.policy.limits;

/**
 * Whether an amount has reached a percentage of a limit, {@code used / limit >= percent %}, decided in integers
 * with no rounding at the edge and no overflow (128-bit products): the budget thresholds of budget-alerts and the
 * quota warnings of the gateway and budget-alerts use this one rule.
 */
public final class Share {

    private Share() {
    }

    public static boolean reached(long used, long limit, long percent) {
        long usedHigh = Math.multiplyHigh(used, 100);
        long usedLow = used * 100;
        long limitHigh = Math.multiplyHigh(limit, percent);
        long limitLow = limit * percent;
        return usedHigh != limitHigh ? usedHigh > limitHigh : Long.compareUnsigned(usedLow, limitLow) >= 0;
    }
}
