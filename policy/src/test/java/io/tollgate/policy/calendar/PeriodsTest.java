package io.tollgate.policy.calendar;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.policy.calendar.Periods.Period;
import io.tollgate.schemas.avro.PeriodType;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;

class PeriodsTest {

    static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    static long at(String zonedDateTime) {
        return ZonedDateTime.parse(zonedDateTime).toInstant().toEpochMilli();
    }

    @Test
    void shouldLast23HoursWhenClocksGoForward() {
        Period day = Periods.day(at("2026-03-29T12:00+02:00[Europe/Berlin]"), BERLIN, 0);

        assertThat(day.key()).isEqualTo("2026-03-29");
        assertThat(Duration.ofMillis(day.endMillis() - day.startMillis())).isEqualTo(Duration.ofHours(23));
    }

    @Test
    void shouldLast25HoursWhenClocksGoBack() {
        Period day = Periods.day(at("2026-10-25T12:00+01:00[Europe/Berlin]"), BERLIN, 0);

        assertThat(day.key()).isEqualTo("2026-10-25");
        assertThat(Duration.ofMillis(day.endMillis() - day.startMillis())).isEqualTo(Duration.ofHours(25));
    }

    @Test
    void shouldBelongToThePreviousDayWhenBeforeTheResetHour() {
        long justBefore = at("2026-11-21T05:59:59.999Z[UTC]");
        long atReset = at("2026-11-21T06:00Z[UTC]");

        assertThat(Periods.day(justBefore, ZoneId.of("UTC"), 6).key()).isEqualTo("2026-11-20");
        assertThat(Periods.day(atReset, ZoneId.of("UTC"), 6).key()).isEqualTo("2026-11-21");
        assertThat(Periods.day(atReset, ZoneId.of("UTC"), 6).startMillis()).isEqualTo(atReset);
    }

    @Test
    void shouldStartTheMonthAtTheResetHourOfItsFirstDayWhenComputingMonths() {
        Period month = Periods.month(at("2026-03-01T03:00+01:00[Europe/Berlin]"), BERLIN, 4);

        // 03:00 on March 1st is before the 04:00 reset: still February
        assertThat(month.key()).isEqualTo("2026-02");
        assertThat(month.endMillis()).isEqualTo(at("2026-03-01T04:00+01:00[Europe/Berlin]"));
        assertThat(Periods.next(month, BERLIN, 4).key()).isEqualTo("2026-03");
    }

    @Test
    void shouldCoverEverythingWhenThePeriodIsLifetime() {
        Period lifetime = Periods.of(PeriodType.LIFETIME, 0, BERLIN, 0);

        assertThat(lifetime.key()).isEqualTo("lifetime");
        assertThat(lifetime.contains(Long.MAX_VALUE - 1)).isTrue();
        assertThat(Periods.next(lifetime, BERLIN, 0)).isEqualTo(lifetime);
    }

    @Test
    void shouldTileTimeWithoutGapsWhenFollowingDays() {
        Period day = Periods.day(at("2026-03-27T00:00+01:00[Europe/Berlin]"), BERLIN, 2);
        for (int i = 0; i < 5; i++) {
            Period next = Periods.next(day, BERLIN, 2);
            assertThat(next.startMillis()).isEqualTo(day.endMillis());
            assertThat(next.contains(day.endMillis())).isTrue();
            assertThat(day.contains(day.endMillis())).isFalse();
            day = next;
        }
    }

    @Test
    void shouldNameTheHourWhenTheResetHourIsOutOfRange() {
        assertThatThrownBy(() -> Periods.day(0, BERLIN, 24)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("24");
    }
}
