package io.tollgate.gateway.control;

import io.tollgate.gateway.admission.QuotaAdmission;
import io.tollgate.policy.calendar.Calendar;
import io.tollgate.policy.limits.QuotaWarning;
import io.tollgate.gateway.resilience.RetryingCircuitGuard;
import io.tollgate.schemas.policy.TollgateConfig;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Locale;
import java.util.Map;

/**
 * The control plane's settings: {@code tollgate.yaml}'s {@code organisation} with environment overrides (routing
 * comes from the policy topic, {@code routing.LiveRouting}). Every variable is optional:
 * <ul>
 *   <li>{@code TOLLGATE_GATEWAY_GROUP} ({@value FleetMembership#DEFAULT_GROUP}): the consumer group whose live
 *       members are the gateways sharing the limits ({@link FleetMembership}).</li>
 *   <li>{@code TOLLGATE_ADMISSION_FAIL_MODE} ({@code open} | {@code closed}) and
 *       {@code TOLLGATE_ADMISSION_STALE_AFTER_MS} (30000).</li>
 *   <li>{@code TOLLGATE_ADMISSION_VIEW_SKEW_MS} (500): with more than one gateway, how much later than this
 *       gateway's view another gateway's view may count the same usage offset.</li>
 *   <li>{@code TOLLGATE_QUOTA_WARNING_PERCENT} ({@code organisation.quota_warning_percent}, 80).</li>
 *   <li>{@code TOLLGATE_ZONE}, {@code TOLLGATE_RESET_HOUR} ({@code organisation.zone}, {@code organisation.reset_hour};
 *       UTC and 0): the calendar of days when neither the key's tenant nor the organisation's record on the policy
 *       topic sets one, as metering-stream and budget-alerts read the same variables.</li>
 *   <li>{@code TOLLGATE_RETRY_MAX_ATTEMPTS} (3), {@code TOLLGATE_RETRY_BASE_DELAY_MS} (250),
 *       {@code TOLLGATE_RETRY_MAX_DELAY_MS} (8000), {@code TOLLGATE_RETRY_MAX_RETRY_AFTER_MS} (30000).</li>
 *   <li>{@code TOLLGATE_BREAKER_FAILURE_THRESHOLD} (5), {@code TOLLGATE_BREAKER_COOL_DOWN_MS} (30000).</li>
 *   <li>{@code TOLLGATE_CONTROL_CATCH_UP_MS} (10000): how long start-up waits for the views to read their topics
 *       and for this gateway to join the fleet's group.</li>
 * </ul>
 */
public record ControlSettings(QuotaAdmission.Settings admission, RetryingCircuitGuard.Settings guard,
                              Duration catchUp, Calendar calendar,
                              QuotaWarning quotaWarning, String fleetGroup) {

    public static ControlSettings from(TollgateConfig policy, Map<String, String> env) {
        TollgateConfig.Organisation org = policy.organisation();
        int warning = (int) number(env, "TOLLGATE_QUOTA_WARNING_PERCENT",
                org == null ? QuotaWarning.DEFAULT.percent() : org.quotaWarningPercent());
        QuotaAdmission.Settings defaults = QuotaAdmission.Settings.defaults();
        QuotaAdmission.Settings admission = new QuotaAdmission.Settings(
                failMode(env.get("TOLLGATE_ADMISSION_FAIL_MODE")),
                number(env, "TOLLGATE_ADMISSION_STALE_AFTER_MS", defaults.staleAfterMillis()),
                number(env, "TOLLGATE_ADMISSION_VIEW_SKEW_MS", defaults.viewSkewMillis()));
        Calendar calendar = calendar(env, org);
        String group = env.getOrDefault("TOLLGATE_GATEWAY_GROUP", FleetMembership.DEFAULT_GROUP).trim();
        RetryingCircuitGuard.Settings g = RetryingCircuitGuard.Settings.defaults();
        RetryingCircuitGuard.Settings guard = new RetryingCircuitGuard.Settings(
                (int) number(env, "TOLLGATE_RETRY_MAX_ATTEMPTS", g.maxAttempts()),
                millis(env, "TOLLGATE_RETRY_BASE_DELAY_MS", g.baseDelay()),
                millis(env, "TOLLGATE_RETRY_MAX_DELAY_MS", g.maxDelay()),
                millis(env, "TOLLGATE_RETRY_MAX_RETRY_AFTER_MS", g.maxRetryAfter()),
                (int) number(env, "TOLLGATE_BREAKER_FAILURE_THRESHOLD", g.failureThreshold()),
                millis(env, "TOLLGATE_BREAKER_COOL_DOWN_MS", g.coolDown()));
        return new ControlSettings(admission, guard,
                millis(env, "TOLLGATE_CONTROL_CATCH_UP_MS", Duration.ofSeconds(10)), calendar,
                new QuotaWarning(warning), group.isEmpty() ? FleetMembership.DEFAULT_GROUP : group);
    }

    private static QuotaAdmission.FailMode failMode(String value) {
        if (value == null || value.isBlank()) {
            return QuotaAdmission.FailMode.OPEN;
        }
        try {
            return QuotaAdmission.FailMode.valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("TOLLGATE_ADMISSION_FAIL_MODE='" + value
                    + "' is not a fail mode; expected open or closed", e);
        }
    }

    /** The configured default of {@code Calendars}: the environment's over the file's organisation. */
    private static Calendar calendar(Map<String, String> env, TollgateConfig.Organisation org) {
        String zone = env.getOrDefault("TOLLGATE_ZONE", "");
        if (zone.isBlank()) {
            zone = org == null || org.zone() == null || org.zone().isBlank() ? "UTC" : org.zone();
        }
        long hour = number(env, "TOLLGATE_RESET_HOUR", org == null ? 0 : org.resetHour());
        if (hour < 0 || hour > 23) {
            throw new IllegalArgumentException("TOLLGATE_RESET_HOUR=" + hour + " is not an hour; expected 0..23");
        }
        try {
            return new Calendar(ZoneId.of(zone.trim()), (int) hour);
        } catch (java.time.DateTimeException e) {
            throw new IllegalArgumentException("TOLLGATE_ZONE='" + zone + "' is not a time-zone id; expected e.g. UTC"
                    + " or Europe/Berlin", e);
        }
    }

    private static Duration millis(Map<String, String> env, String name, Duration fallback) {
        return Duration.ofMillis(number(env, name, fallback.toMillis()));
    }

    private static long number(Map<String, String> env, String name, long fallback) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            return fallback;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + "='" + v + "' is not a whole number", e);
        }
    }
}
