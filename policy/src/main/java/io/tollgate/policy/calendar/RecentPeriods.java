package io.tollgate.policy.calendar;

import io.tollgate.policy.calendar.Periods.Period;
import io.tollgate.schemas.avro.PeriodType;
import java.util.HashMap;
import java.util.Map;

/**
 * The period of a calendar that contains an instant, remembering the last one found per calendar and period type:
 * a stream's events come nearly in time order, so almost every question is answered by the period found before,
 * with one comparison instead of java.time's zone rules. Exactly {@link Calendar#period}'s answer, since a period
 * is only reused for an instant it contains. Not thread-safe: one per processor or thread.
 */
public final class RecentPeriods {

    /** Calendars x period types remembered at most; then started afresh. */
    private static final int MAX_ENTRIES = 1_024;

    private record Slot(Calendar calendar, PeriodType type) {
    }

    private final Map<Slot, Period> last = new HashMap<>();

    /** {@code calendar.period(type, epochMillis)}. */
    public Period of(Calendar calendar, PeriodType type, long epochMillis) {
        Slot slot = new Slot(calendar, type);
        Period period = last.get(slot);
        if (period != null && period.contains(epochMillis)) {
            return period;
        }
        period = calendar.period(type, epochMillis);
        if (last.size() >= MAX_ENTRIES) {
            last.clear();
        }
        last.put(slot, period);
        return period;
    }
}
