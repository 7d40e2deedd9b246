package io.tollgate.policy.calendar;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.policy.calendar.Periods.Period;
import io.tollgate.schemas.avro.PeriodType;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * What every consumer of a {@link Calendar} relies on, checked on thousands of generated cases: any zone (±14 h and
 * half- and quarter-hour offsets included), any reset hour, instants anywhere in 2020-2040 and, for half of them,
 * within six hours of a month's start (midnights, month ends). The generator is seeded, so a failure names a case
 * that reproduces.
 */
class CalendarPropertiesTest {

    static final List<String> EDGE_ZONES = List.of("Pacific/Kiritimati", "Pacific/Niue", "Pacific/Pago_Pago",
            "Asia/Kathmandu", "Asia/Kolkata", "Australia/Adelaide", "Australia/Lord_Howe", "America/St_Johns",
            "Pacific/Chatham", "Europe/Berlin", "America/New_York", "America/Santiago", "Asia/Tehran", "UTC");
    static final List<String> ALL_ZONES = ZoneId.getAvailableZoneIds().stream().sorted().toList();
    static final long FROM = Instant.parse("2020-01-01T00:00:00Z").toEpochMilli();
    static final long TO = Instant.parse("2040-01-01T00:00:00Z").toEpochMilli();
    static final int CASES = 5_000;

    /** One generated case: a zone, a reset hour and an instant. */
    record Case(ZoneId zone, int resetHour, long at) {
        Calendar calendar() {
            return new Calendar(zone, resetHour);
        }

        @Override
        public String toString() {
            return zone + " reset " + resetHour + " at " + Instant.ofEpochMilli(at);
        }
    }

    static Case generate(Random random) {
        ZoneId zone = ZoneId.of(random.nextBoolean() ? EDGE_ZONES.get(random.nextInt(EDGE_ZONES.size()))
                : ALL_ZONES.get(random.nextInt(ALL_ZONES.size())));
        int resetHour = random.nextInt(24);
        long at;
        if (random.nextBoolean()) {
            at = random.nextLong(FROM, TO);
        } else {
            ZonedDateTime monthStart = ZonedDateTime.of(2020 + random.nextInt(20), 1 + random.nextInt(12), 1, 0, 0, 0, 0,
                    ZoneId.of("UTC"));
            at = monthStart.toInstant().toEpochMilli() + random.nextLong(-6 * 3_600_000L, 6 * 3_600_000L);
        }
        return new Case(zone, resetHour, at);
    }

    @Test
    void shouldContainItsInstantAndBeFollowedWhereItEndsForEveryCase() {
        Random random = new Random(20261204L);
        for (int i = 0; i < CASES; i++) {
            Case c = generate(random);
            for (PeriodType type : List.of(PeriodType.DAY, PeriodType.MONTH)) {
                Period period = c.calendar().period(type, c.at());
                assertThat(period.contains(c.at())).as("%s %s", type, c).isTrue();
                assertThat(c.calendar().period(type, period.startMillis())).as("%s start, %s", type, c).isEqualTo(period);
                assertThat(c.calendar().period(type, period.endMillis() - 1)).as("%s end, %s", type, c).isEqualTo(period);
                assertThat(c.calendar().next(period).startMillis()).as("%s next, %s", type, c).isEqualTo(period.endMillis());
                assertThat(period.until()).as("%s until, %s", type, c).isEqualTo(period.endMillis());
            }
        }
    }

    @Test
    void shouldNameTheSamePeriodByItsKeyForEveryCase() {
        Random random = new Random(42L);
        for (int i = 0; i < CASES; i++) {
            Case c = generate(random);
            for (PeriodType type : List.of(PeriodType.DAY, PeriodType.MONTH)) {
                Period period = c.calendar().period(type, c.at());
                assertThat(c.calendar().periodOfKey(type, period.key())).as("%s %s", type, c).isEqualTo(period);
            }
        }
    }

    @Test
    void shouldLastBetween22And26HoursAndStartOnAQuarterHourForEveryDay() {
        Random random = new Random(7L);
        for (int i = 0; i < CASES; i++) {
            Case c = generate(random);
            Period day = c.calendar().period(PeriodType.DAY, c.at());
            long hours = (day.endMillis() - day.startMillis()) / 3_600_000L;
            assertThat(hours).as("%s", c).isBetween(22L, 26L);
            // metering-stream pre-aggregates spend in 15-minute slices: no period boundary may fall inside one
            assertThat(day.startMillis() % (15 * 60_000L)).as("%s", c).isZero();
        }
    }
}
