package io.tollgate.gateway.admission;

import io.tollgate.policy.calendar.Calendars;
import io.tollgate.policy.calendar.Periods;
import io.tollgate.schemas.avro.PeriodType;
import java.util.function.Supplier;

/**
 * The caller's tenant's day at one instant ({@link Calendars#ofTenant}), worked out once and only when a
 * scope's view does not cover that instant: it costs a date computation, and a key in use has a view that does.
 */
final class TenantDay implements Supplier<Periods.Period> {

    private final Calendars calendars;
    private final String tenant;
    private final long now;
    private Periods.Period day;

    TenantDay(Calendars calendars, String tenant, long now) {
        this.calendars = calendars;
        this.tenant = tenant;
        this.now = now;
    }

    @Override
    public Periods.Period get() {
        if (day == null) {
            day = calendars.ofTenant(tenant).period(PeriodType.DAY, now);
        }
        return day;
    }
}
