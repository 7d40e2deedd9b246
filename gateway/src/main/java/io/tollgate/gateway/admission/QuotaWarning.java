package io.tollgate.gateway.admission;

import java.util.Optional;

/**
 * Whether a caller has used at least {@code percent} of its daily request quota, for the
 * {@code X-Tollgate-Quota-Warning} response header (default 80 %, organisation setting
 * {@code quota_warning_percent}).
 */
public record QuotaWarning(int percent) {

    public static final String HEADER = "X-Tollgate-Quota-Warning";
    public static final QuotaWarning DEFAULT = new QuotaWarning(80);

    public QuotaWarning {
        if (percent < 1 || percent > 100) {
            throw new IllegalArgumentException("quota warning percent is " + percent + "; expected 1..100");
        }
    }

    /** True when the daily quota is limited and at least {@code percent} of it is used. */
    public boolean reached(AdmissionDecision.Remaining remaining) {
        long limit = remaining.requestsPerDayLimit();
        if (limit <= 0 || remaining.requestsToday() < 0) {
            return false;
        }
        long used = limit - remaining.requestsToday();
        return used * 100 >= (long) percent * limit;
    }

    /** The header value when {@link #reached}, e.g. {@code "412 of 500 daily requests used (82%)"}. */
    public Optional<String> header(AdmissionDecision.Remaining remaining) {
        if (!reached(remaining)) {
            return Optional.empty();
        }
        long limit = remaining.requestsPerDayLimit();
        long used = limit - remaining.requestsToday();
        return Optional.of(used + " of " + limit + " daily requests used (" + (used * 100 / limit) + "%)");
    }
}
