package io.tollgate.policy.calendar;

import io.tollgate.schemas.avro.PeriodType;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.YearMonth;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;

/**
 * Calendar periods shared by every service, so that a day or month means the same instant range
 * in the gateway, metering-stream and budget-alerts. A day starts at {@code resetHour} local time
 * in {@code zone}; it lasts 23 or 25 hours on DST changes. A month starts at the reset hour of
 * its first day. If the reset hour falls into a DST gap, the day starts at the first valid
 * instant after it (java.time's rule).
 */
public final class Periods {

    private static final DateTimeFormatter MONTH_KEY = DateTimeFormatter.ofPattern("yyyy-MM");

    private Periods() {
    }

    /** Key of the one LIFETIME period. */
    public static final String LIFETIME_KEY = "lifetime";

    /**
     * A period: its key (2026-11-21, 2026-11, lifetime) and its [start, end) in epoch millis. What a
     * command issued for this period lasts {@link #until()}: the instant the next period starts.
     */
    public record Period(PeriodType type, String key, long startMillis, long endMillis) {
        public boolean contains(long epochMillis) {
            return epochMillis >= startMillis && epochMillis < endMillis;
        }

        /** When something that holds "for this period" ends: the start of the next one; null for LIFETIME. */
        public Long until() {
            return type == PeriodType.LIFETIME ? null : endMillis;
        }
    }

    public static Period of(PeriodType type, long epochMillis, ZoneId zone, int resetHour) {
        return switch (type) {
            case DAY -> day(epochMillis, zone, resetHour);
            case MONTH -> month(epochMillis, zone, resetHour);
            case LIFETIME -> new Period(PeriodType.LIFETIME, LIFETIME_KEY, 0L, Long.MAX_VALUE);
        };
    }

    /**
     * The period named by its key ("2026-11-21", "2026-11", "lifetime") in a zone and reset hour; throws
     * {@link IllegalArgumentException} naming the key when it is not a key of {@code type}.
     */
    public static Period ofKey(PeriodType type, String key, ZoneId zone, int resetHour) {
        checkResetHour(resetHour);
        LocalDate first = switch (type) {
            case DAY -> parse(key, type, () -> LocalDate.parse(key));
            case MONTH -> parse(key, type, () -> YearMonth.parse(key).atDay(1));
            case LIFETIME -> {
                if (!LIFETIME_KEY.equals(key)) {
                    throw new IllegalArgumentException("period key '" + key + "' of a LIFETIME period is not '"
                            + LIFETIME_KEY + "'");
                }
                yield null;
            }
        };
        if (first == null) {
            return of(PeriodType.LIFETIME, 0L, zone, resetHour);
        }
        long start = startOf(first, zone, resetHour);
        long end = startOf(type == PeriodType.DAY ? first.plusDays(1) : first.plusMonths(1), zone, resetHour);
        return new Period(type, key, start, end);
    }

    /** Null when {@code key} is a well-formed key of {@code type}, else what is wrong with it. */
    public static String keyProblem(PeriodType type, String key) {
        try {
            ofKey(type, key, ZoneId.of("UTC"), 0);
            return null;
        } catch (RuntimeException e) {
            return e.getMessage();
        }
    }

    public static Period day(long epochMillis, ZoneId zone, int resetHour) {
        LocalDate date = dateOf(epochMillis, zone, resetHour);
        return new Period(PeriodType.DAY, date.toString(), startOf(date, zone, resetHour),
                startOf(date.plusDays(1), zone, resetHour));
    }

    public static Period month(long epochMillis, ZoneId zone, int resetHour) {
        LocalDate first = dateOf(epochMillis, zone, resetHour).withDayOfMonth(1);
        return new Period(PeriodType.MONTH, first.format(MONTH_KEY), startOf(first, zone, resetHour),
                startOf(first.plusMonths(1), zone, resetHour));
    }

    /** The period that follows {@code period} (LIFETIME has none and returns itself). */
    public static Period next(Period period, ZoneId zone, int resetHour) {
        return period.type() == PeriodType.LIFETIME ? period : of(period.type(), period.endMillis(), zone, resetHour);
    }

    /** The calendar date whose quota day contains the instant. */
    public static LocalDate dateOf(long epochMillis, ZoneId zone, int resetHour) {
        checkResetHour(resetHour);
        LocalDate date = Instant.ofEpochMilli(epochMillis).atZone(zone).toLocalDate();
        return epochMillis < startOf(date, zone, resetHour) ? date.minusDays(1) : date;
    }

    private static long startOf(LocalDate date, ZoneId zone, int resetHour) {
        return ZonedDateTime.of(date, LocalTime.of(resetHour, 0), zone).toInstant().toEpochMilli();
    }

    private static LocalDate parse(String key, PeriodType type, java.util.function.Supplier<LocalDate> parser) {
        try {
            LocalDate date = parser.get();
            String canonical = type == PeriodType.DAY ? date.toString() : date.format(MONTH_KEY);
            if (!canonical.equals(key)) {
                throw new IllegalArgumentException("period key '" + key + "' is not written as " + canonical);
            }
            return date;
        } catch (DateTimeParseException | NullPointerException e) {
            throw new IllegalArgumentException("period key '" + key + "' is not a " + type + " key; expected "
                    + (type == PeriodType.DAY ? "yyyy-MM-dd" : "yyyy-MM"), e);
        }
    }

    static void checkResetHour(int resetHour) {
        if (resetHour < 0 || resetHour > 23) {
            throw new IllegalArgumentException("reset hour " + resetHour + " is outside 0..23");
        }
    }
}
