package io.tollgate.metering.spend;

import io.tollgate.policy.calendar.Calendar;
import io.tollgate.policy.calendar.Calendars;
import io.tollgate.policy.calendar.Periods;
import io.tollgate.policy.calendar.RecentPeriods;
import io.tollgate.policy.scope.Keys;
import io.tollgate.schemas.avro.PeriodType;
import io.tollgate.schemas.avro.ScopeType;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * The spend totals a delta of one scope adds to: per period type (DAY and MONTH; a conversation's LIFETIME too), the
 * scope's calendar ({@link Calendars#ofScope}), the period of it containing the delta's instant and the store key
 * ({@code team:acme@2026-11-21}). Kept per scope key and tenant while the policy version stays the same, and each
 * period while it contains the instants asked about: a scope's deltas then find their keys with one hash lookup,
 * the same key instances each time, rather than reading the policies, concatenating the keys and parsing the scope
 * per delta. Exactly what computing them afresh gives, since a calendar is only reused under the policy version it
 * was derived at and a period only for an instant it contains. Bounded: past {@code capacity} scopes it starts again
 * empty. One per processor; not thread-safe.
 */
public final class SpendTargets {

    private static final List<PeriodType> CALENDAR = List.of(PeriodType.DAY, PeriodType.MONTH);
    private static final List<PeriodType> WITH_LIFETIME = List.of(PeriodType.DAY, PeriodType.MONTH,
            PeriodType.LIFETIME);

    /** One total a delta adds to: {@code key} is the store key of {@code period} of the scope in {@code calendar}. */
    public record Target(ScopeType scopeType, String scopeId, Calendar calendar, Periods.Period period, String key) {
    }

    /** A scope's targets for one tenant, under the policy version they were derived at. */
    private static final class Scoped {
        private final Keys.Scope scope;
        private final String tenant;
        private final long version;
        private final Calendar[] calendars;
        private List<Target> targets;

        private Scoped(Keys.Scope scope, String tenant, long version, Calendar[] calendars) {
            this.scope = scope;
            this.tenant = tenant;
            this.version = version;
            this.calendars = calendars;
        }
    }

    private final Calendars calendars;
    private final LongSupplier version;
    private final int capacity;
    private final RecentPeriods periods = new RecentPeriods();
    private final Map<String, Scoped> byScope = new HashMap<>();

    /**
     * @param version the version of the policies {@code calendars} reads ({@code PolicySource.version()}): a
     *                calendar is kept while it stays the same; negative, nothing is kept
     */
    public SpendTargets(Calendars calendars, LongSupplier version, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("a spend-target capacity of " + capacity + "; expected at least 1");
        }
        this.calendars = Objects.requireNonNull(calendars, "calendars");
        this.version = Objects.requireNonNull(version, "version");
        this.capacity = capacity;
    }

    /**
     * The totals a delta of {@code scopeKey} ({@code team:acme}) for {@code tenant} at {@code periodTime} adds to, in
     * the order DAY, MONTH (, LIFETIME); throws {@link IllegalArgumentException} naming a malformed scope key.
     */
    public List<Target> of(String scopeKey, String tenant, long periodTime) {
        // the version first: a record applied while the calendars are read changes it, so they are not kept long
        long now = version.getAsLong();
        Scoped scoped = byScope.get(scopeKey);
        if (scoped == null || now < 0 || scoped.version != now || !scoped.tenant.equals(tenant)) {
            Keys.Scope scope = scoped == null ? Keys.parseScope(scopeKey) : scoped.scope;
            scoped = new Scoped(scope, tenant, now, calendarsOf(scope, tenant));
            if (now >= 0) {
                if (byScope.size() >= capacity) {
                    byScope.clear();
                }
                byScope.put(scopeKey, scoped);
            }
        }
        if (scoped.targets == null || !containAll(scoped.targets, periodTime)) {
            scoped.targets = targets(scoped, periodTime);
        }
        return scoped.targets;
    }

    private Calendar[] calendarsOf(Keys.Scope scope, String tenant) {
        List<PeriodType> types = typesOf(scope.type());
        Calendar[] out = new Calendar[types.size()];
        for (int i = 0; i < out.length; i++) {
            // the scope's calendar: its budget's zone for this period type, else its tenant's (as budget-alerts judges it)
            out[i] = calendars.ofScope(scope.type(), scope.id(), tenant, types.get(i));
        }
        return out;
    }

    /** The targets at {@code periodTime}, reusing each target whose period still contains it (and so its key). */
    private List<Target> targets(Scoped scoped, long periodTime) {
        List<PeriodType> types = typesOf(scoped.scope.type());
        Target[] out = new Target[types.size()];
        for (int i = 0; i < out.length; i++) {
            Target known = scoped.targets == null ? null : scoped.targets.get(i);
            if (known != null && known.period().contains(periodTime)) {
                out[i] = known;
                continue;
            }
            Calendar calendar = scoped.calendars[i];
            Periods.Period period = periods.of(calendar, types.get(i), periodTime);
            out[i] = new Target(scoped.scope.type(), scoped.scope.id(), calendar, period,
                    Keys.spend(scoped.scope.type(), scoped.scope.id(), period.key()));
        }
        return List.of(out);
    }

    private static boolean containAll(List<Target> targets, long periodTime) {
        for (int i = 0; i < targets.size(); i++) {
            if (!targets.get(i).period().contains(periodTime)) {
                return false;
            }
        }
        return true;
    }

    private static List<PeriodType> typesOf(ScopeType type) {
        return type == ScopeType.CONVERSATION ? WITH_LIFETIME : CALENDAR;
    }
}
