package io.tollgate.budget.topology;

import io.tollgate.policy.calendar.Calendar;
import io.tollgate.policy.calendar.Calendars;
import io.tollgate.policy.limits.LimitKind;
import io.tollgate.policy.limits.LimitResolver;
import io.tollgate.policy.limits.QuotaWarning;
import io.tollgate.policy.records.PolicySource;
import io.tollgate.schemas.avro.BudgetPolicy;
import io.tollgate.schemas.avro.PeriodType;
import io.tollgate.schemas.avro.ScopeType;
import java.util.Objects;
import java.util.Optional;

/**
 * What budget-alerts asks of the policies, answered by the policy module's rules ({@link Calendars},
 * {@link LimitResolver}, {@link QuotaWarning}) over the global policy store, so a budget's period, a key's
 * daily quota and the warning share are exactly what metering-stream and the gateway use.
 */
public final class BudgetPolicies {

    private final PolicySource policies;
    private final Calendars calendars;
    private final LimitResolver limits;
    private final QuotaWarning defaultWarning;

    /**
     * @param policies        the global policy store
     * @param defaultCalendar the service's configured zone and reset hour (last in the calendar precedence)
     * @param defaultWarning  the service's configured quota warning share (when the organisation sets none)
     */
    public BudgetPolicies(PolicySource policies, Calendar defaultCalendar, QuotaWarning defaultWarning) {
        this.policies = Objects.requireNonNull(policies, "policies");
        this.calendars = new Calendars(policies, defaultCalendar);
        this.limits = new LimitResolver(policies);
        this.defaultWarning = Objects.requireNonNull(defaultWarning, "defaultWarning");
    }

    /** The budget in force for a scope and period (a conversation may fall under {@code conversation:*}). */
    public Optional<BudgetTerms> budget(ScopeType type, String id, PeriodType period, String tenant) {
        return policies.budgetFor(type, id, period).map(b -> terms(b, id, tenant));
    }

    /**
     * The terms of {@code budget} as they apply to scope id {@code scopeId} (a pattern's budget applies per id). A
     * zone that is no time-zone id is kept as written, so the terms report it as their {@link BudgetTerms#problem}
     * and the budget is ignored rather than judged in another calendar.
     */
    public BudgetTerms terms(BudgetPolicy budget, String scopeId, String tenant) {
        Calendar calendar = calendar(budget.getScopeType(), scopeId, budget.getPeriod(), tenant);
        String zone = validZone(budget.getZone()) ? calendar.zone().getId() : budget.getZone();
        return BudgetTerms.of(budget, zone, calendar.resetHour());
    }

    private static boolean validZone(String zone) {
        if (zone == null) {
            return true;
        }
        try {
            java.time.ZoneId.of(zone);
            return true;
        } catch (java.time.DateTimeException e) {
            return false;
        }
    }

    /** The calendar of a scope's spend and budgets: budget zone, tenant, organisation, default. */
    public Calendar calendar(ScopeType type, String id, PeriodType period, String tenant) {
        return calendars.ofScope(type, id, tenant, period);
    }

    public QuotaWarning quotaWarning() {
        return QuotaWarning.of(policies, defaultWarning);
    }

    /** A key's daily limit of {@code kind} (RPD or TPD) for a model ({@code *}: across models); null = unlimited. */
    public Long dailyLimit(String apiKeyId, String model, LimitKind kind) {
        return limits.limit(apiKeyId, model, kind);
    }
}
