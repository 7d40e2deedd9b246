package io.tollgate.policy.calendar;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.schemas.avro.PeriodType;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RecentPeriodsTest {

    @Test
    void shouldAnswerAsTheCalendarDoesWhenInstantsCrossDaysMonthsAndDstChanges() {
        // Given calendars whose days are 23 and 25 hours long around DST changes, with reset hours
        Calendar[] calendars = {new Calendar(ZoneId.of("Europe/Berlin"), 0), new Calendar(ZoneId.of("Europe/Berlin"), 2),
                new Calendar(ZoneId.of("America/New_York"), 5), Calendar.UTC};
        RecentPeriods periods = new RecentPeriods();
        Random random = new Random(7);
        long t = Instant.parse("2026-03-27T00:00:00Z").toEpochMilli();
        for (int i = 0; i < 20_000; i++) {
            // When instants move mostly forward (minutes), sometimes back (hours), across 2026-03-29 and 2026-10-25
            t += random.nextInt(10) == 0 ? -3_600_000L * random.nextInt(30) : 60_000L * random.nextInt(60);
            if (i == 10_000) {
                t = Instant.parse("2026-10-23T00:00:00Z").toEpochMilli();
            }
            Calendar calendar = calendars[random.nextInt(calendars.length)];
            for (PeriodType type : PeriodType.values()) {
                // Then every answer is the calendar's own
                assertThat(periods.of(calendar, type, t)).as("%s %s at %s", calendar, type, Instant.ofEpochMilli(t))
                        .isEqualTo(calendar.period(type, t));
            }
        }
    }
}
