package io.tollgate.metering.policy;

import io.tollgate.policy.calendar.Calendar;
import io.tollgate.policy.calendar.Calendars;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Tenants' calendars ({@link Calendars#ofTenant}: the tenant's zone and reset hour over the organisation's) kept per
 * tenant while the policy records stay as they are, by the count of records the global store's updater applied (as
 * {@link StorePolicies} keeps its answers): the ingest and daily steps ask for a tenant's day per event. The count is
 * read before a calendar is derived, so one derived while a record arrived is dropped at the next call. Bounded; one
 * per processor (not thread-safe).
 */
public final class TenantCalendars {

    /** Tenants kept per count: those one processor sees. */
    private static final int KEPT = 4_096;

    private final Calendars calendars;
    private final LongSupplier changes;
    private final Map<String, Calendar> byTenant = new HashMap<>();
    private long kept = -1;

    /** {@code changes} as for {@link StorePolicies}; a negative count keeps nothing. */
    public TenantCalendars(Calendars calendars, LongSupplier changes) {
        this.calendars = calendars;
        this.changes = changes;
    }

    /** The calendar of {@code tenant}'s days; the organisation's for a tenant with no record (or null). */
    public Calendar of(String tenant) {
        long count = changes.getAsLong();
        if (count < 0) {
            return calendars.ofTenant(tenant);
        }
        if (count != kept) {
            byTenant.clear();
            kept = count;
        }
        Calendar calendar = byTenant.get(tenant);
        if (calendar == null) {
            calendar = calendars.ofTenant(tenant);
            if (byTenant.size() >= KEPT) {
                byTenant.clear();
            }
            byTenant.put(tenant, calendar);
        }
        return calendar;
    }
}
