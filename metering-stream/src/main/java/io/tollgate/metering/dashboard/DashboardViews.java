package io.tollgate.metering.dashboard;

import io.tollgate.metering.query.QueryViews;
import java.util.List;

/** The JSON bodies of the dashboard's own routes ({@code /dashboard/api/...}). */
public final class DashboardViews {

    private DashboardViews() {
    }

    /**
     * Every key and model with requests or tokens in the trailing minute ending at {@code at}, from every
     * instance; each entry is exactly what {@code /v1/keys/<key>/rates?model=<model>&at=<at>} answers.
     */
    public record Rates(long at, List<QueryViews.Rate> rates) {
    }

    /**
     * One budget policy and the spend of its scope in the period containing {@code at}; {@code spend} is what
     * {@code /v1/spend/<scope>/<id>?period=<period>&at=<at>} answers, null when nothing was spent yet.
     */
    public record Budget(String policyKey, String scopeType, String scopeId, String period, long limitMicros,
                         Long hardLimitMicros, List<Integer> thresholdsPercent, String action, String downgradeTo,
                         QueryViews.Spend spend) {
    }

    /** Budgets by policy key. */
    public record Budgets(long at, boolean following, List<Budget> budgets) {
    }

    /** One alert of {@code tollgate.alerts.v1}. */
    /** An alert; a quota alert (quotaKind rpd or tpd) is in requests or tokens, a budget alert in micro-dollars. */
    public record Alert(String alertId, String kind, String scopeType, String scopeId, String period,
                        String periodKey, int thresholdPercent, long budgetMicros, long spendMicros,
                        double sharePercent, String message, long timestamp, String quotaKind, long quotaUsed,
                        long quotaLimit) {
    }

    /** The newest alerts, newest first; {@code following} is false until the alert topic is assigned. */
    public record Alerts(boolean following, List<Alert> alerts) {
    }
}
