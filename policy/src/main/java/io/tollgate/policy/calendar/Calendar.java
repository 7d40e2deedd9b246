package io.tollgate.policy.calendar;

import io.tollgate.policy.calendar.Periods.Period;
import io.tollgate.schemas.avro.PeriodType;
import java.time.ZoneId;
import java.util.Objects;

/**
 * The calendar of one scope: the zone and the hour at which its days start. Days last 23 or 25 hours on DST
 * changes; a month starts at the reset hour of its first day.
 */
public record Calendar(ZoneId zone, int resetHour) {

    public static final Calendar UTC = new Calendar(ZoneId.of("UTC"), 0);

    public Calendar {
        Objects.requireNonNull(zone, "zone");
        Periods.checkResetHour(resetHour);
    }

    /** The period of {@code type} that contains {@code epochMillis}. */
    public Period period(PeriodType type, long epochMillis) {
        return Periods.of(type, epochMillis, zone, resetHour);
    }

    /** The period named by {@code key}; throws {@link IllegalArgumentException} when it is no key of {@code type}. */
    public Period periodOfKey(PeriodType type, String key) {
        return Periods.ofKey(type, key, zone, resetHour);
    }

    /** The period after {@code period} (LIFETIME has none and returns itself). */
    public Period next(Period period) {
        return Periods.next(period, zone, resetHour);
    }
}
