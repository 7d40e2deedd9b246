package io.tollgate.policy.limits;

import io.tollgate.policy.records.PolicySource;
import io.tollgate.schemas.avro.OrgSettings;
import java.util.Optional;

/**
 * When a daily quota (requests or tokens per day) counts as nearly used: at least {@code percent} of it,
 * the organisation's {@code quota_warning_percent} (default 80). The gateway's
 * {@value #HEADER} header and budget-alerts' QUOTA_WARNING use this one rule and one wording.
 */
public record QuotaWarning(int percent) {

    public static final String HEADER = "X-Tollgate-Quota-Warning";
    public static final QuotaWarning DEFAULT = new QuotaWarning(80);

    public QuotaWarning {
        if (percent < 1 || percent > 100) {
            throw new IllegalArgumentException("quota warning percent is " + percent + "; expected 1..100");
        }
    }

    /** The organisation's share when it sets a valid one, else {@code fallback} (the service's configuration). */
    public static QuotaWarning of(PolicySource policies, QuotaWarning fallback) {
        return policies.org().map(OrgSettings::getQuotaWarningPercent).filter(p -> p >= 1 && p <= 100)
                .map(QuotaWarning::new).orElse(fallback);
    }

    /** True when {@code limit} is set (> 0) and at least {@code percent} of it is {@code used}. */
    public boolean reached(long used, Long limit) {
        return limit != null && limit > 0 && Share.reached(used, limit, percent);
    }

    /** The sentence for people, e.g. {@code "412 of 500 daily requests used (82%)"}, when {@link #reached}. */
    public Optional<String> message(LimitKind kind, long used, Long limit) {
        if (!kind.daily()) {
            throw new IllegalArgumentException(kind + " is not a daily limit; quota warnings are for rpd and tpd");
        }
        if (!reached(used, limit)) {
            return Optional.empty();
        }
        return Optional.of(used + " of " + limit + " daily " + kind.unit() + " used (" + (used * 100 / limit) + "%)");
    }
}
