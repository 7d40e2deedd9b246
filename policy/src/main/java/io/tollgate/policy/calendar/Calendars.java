package io.tollgate.policy.calendar;

import io.tollgate.policy.records.PolicySource;
import io.tollgate.schemas.avro.BudgetPolicy;
import io.tollgate.schemas.avro.OrgSettings;
import io.tollgate.schemas.avro.PeriodType;
import io.tollgate.schemas.avro.ScopeType;
import io.tollgate.schemas.avro.TenantPolicy;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.Objects;
import java.util.Optional;

/**
 * Which calendar a question is answered in, the same way in every service. Each of zone and reset hour is
 * taken from the first that sets it:
 * <ol>
 *   <li>the budget of the scope and period type (its {@code zone}; budgets set no reset hour),</li>
 *   <li>the scope's tenant ({@code tenant:<name>}: {@code zone}, {@code resetHour}),</li>
 *   <li>the organisation ({@code org:settings}),</li>
 *   <li>the service's configured default, UTC and 0 unless set (metering-stream and budget-alerts:
 *       {@code TOLLGATE_ZONE}, {@code TOLLGATE_RESET_HOUR}; the gateway: its tollgate.yaml's {@code organisation}).</li>
 * </ol>
 * Daily quotas are the tenant's days (steps 2-4); spend and budgets of a scope use steps 1-4, so the spend
 * metering-stream sums for {@code team:research@2026-12-03} is exactly the budget's day and a command's
 * {@code until} is that day's end. A zone that does not parse is skipped like an absent one.
 */
public final class Calendars {

    private final PolicySource policies;
    private final Calendar fallback;

    public Calendars(PolicySource policies, Calendar fallback) {
        this.policies = Objects.requireNonNull(policies, "policies");
        this.fallback = Objects.requireNonNull(fallback, "fallback");
    }

    /** The organisation's calendar: its settings record over the service's default. */
    public Calendar org() {
        Optional<OrgSettings> org = policies.org();
        ZoneId zone = org.map(OrgSettings::getZone).flatMap(Calendars::zone).orElse(fallback.zone());
        int resetHour = org.map(OrgSettings::getResetHour).filter(Calendars::validHour).orElse(fallback.resetHour());
        return new Calendar(zone, resetHour);
    }

    /** The days of {@code tenant}'s daily quotas. */
    public Calendar ofTenant(String tenant) {
        Calendar org = org();
        Optional<TenantPolicy> policy = tenant == null ? Optional.empty() : policies.tenant(tenant);
        if (policy.isEmpty()) {
            return org;
        }
        ZoneId zone = Optional.ofNullable(policy.get().getZone()).flatMap(Calendars::zone).orElse(org.zone());
        int resetHour = Optional.ofNullable(policy.get().getResetHour()).filter(Calendars::validHour)
                .orElse(org.resetHour());
        return new Calendar(zone, resetHour);
    }

    /**
     * The calendar of spend and budgets of one scope and period type. {@code tenant} is the tenant the scope's
     * usage belongs to (the scope's own id for a tenant scope).
     */
    public Calendar ofScope(ScopeType type, String scopeId, String tenant, PeriodType period) {
        Calendar base = ofTenant(type == ScopeType.TENANT ? scopeId : tenant);
        Optional<ZoneId> budgetZone = policies.budgetFor(type, scopeId, period).map(BudgetPolicy::getZone)
                .flatMap(Calendars::zone);
        return budgetZone.map(z -> new Calendar(z, base.resetHour())).orElse(base);
    }

    private static Optional<ZoneId> zone(String id) {
        if (id == null || id.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.of(ZoneId.of(id));
        } catch (DateTimeException e) {
            return Optional.empty();
        }
    }

    private static boolean validHour(Integer hour) {
        return hour != null && hour >= 0 && hour <= 23;
    }
}
