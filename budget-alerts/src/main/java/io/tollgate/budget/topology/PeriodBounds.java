package io.tollgate.budget.topology;

import io.tollgate.policy.calendar.Periods;
import io.tollgate.schemas.avro.PeriodType;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.YearMonth;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;

/**
 * The instant range of a period named by its key ("2026-11-21", "2026-11", "lifetime") in a zone
 * and reset hour, computed by {@link Periods} so that a day spanning a DST change lasts 23 or 25 hours.
 */
final class PeriodBounds {

    private PeriodBounds() {
    }

    static Periods.Period of(PeriodType type, String periodKey, ZoneId zone, int resetHour) {
        LocalDate first = switch (type) {
            case DAY -> parse(periodKey, type, () -> LocalDate.parse(periodKey));
            case MONTH -> parse(periodKey, type, () -> YearMonth.parse(periodKey).atDay(1));
            case LIFETIME -> null;
        };
        if (first == null) {
            if (!"lifetime".equals(periodKey)) {
                throw new IllegalArgumentException("period key '" + periodKey + "' of a LIFETIME period is not 'lifetime'");
            }
            return Periods.of(PeriodType.LIFETIME, 0L, zone, resetHour);
        }
        // a probe instant just after the period's reset hour lies inside the period even on DST days
        long probe = ZonedDateTime.of(first, LocalTime.of(resetHour, 0), zone).toInstant().toEpochMilli() + 60_000L;
        Periods.Period period = Periods.of(type, probe, zone, resetHour);
        if (!period.key().equals(periodKey)) {
            throw new IllegalStateException("period key '" + periodKey + "' resolved to '" + period.key() + "' in " + zone);
        }
        return period;
    }

    /** Null when the key is a well-formed key of the type, else what is wrong with it. */
    static String problem(PeriodType type, String periodKey) {
        try {
            of(type, periodKey, ZoneId.of("UTC"), 0);
            return null;
        } catch (RuntimeException e) {
            return e.getMessage();
        }
    }

    private static LocalDate parse(String key, PeriodType type, java.util.function.Supplier<LocalDate> parser) {
        try {
            return parser.get();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("period key '" + key + "' is not a " + type
                    + " key; expected " + (type == PeriodType.DAY ? "yyyy-MM-dd" : "yyyy-MM"), e);
        }
    }
}
