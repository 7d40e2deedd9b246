package io.tollgate.cli.stack;

import static org.awaitility.Awaitility.await;

import io.tollgate.policy.calendar.Calendar;
import io.tollgate.schemas.avro.PeriodType;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;

/**
 * Keeps whole-stack tests clear of the day boundaries their budgets, quotas and spend periods count in.
 * The services read the real clock, so a midnight inside a test splits its spend and requests over two
 * periods (and a month's end over two months) and the test's totals no longer match.
 */
final class Midnights {

    /** Where the example file's days start: its organisation (UTC) and its tenant acme (Europe/Berlin), both at 00:00. */
    static final List<ZoneId> ZONES = List.of(ZoneOffset.UTC, ZoneId.of("Europe/Berlin"));

    private Midnights() {
    }

    /**
     * Returns once none of {@link #ZONES}' days ends within {@code margin}, waiting for the next day to
     * begin if one does (at most {@code margin}, and only in {@code 2 x margin} of every 24 hours per zone).
     */
    static void awaitClear(Duration margin) {
        awaitClear(margin, ZONES.stream().map(zone -> new Calendar(zone, 0)).toList());
    }

    /** As {@link #awaitClear(Duration)} for days that start in these calendars (zone and reset hour). */
    static void awaitClear(Duration margin, List<Calendar> calendars) {
        await().atMost(margin.plusMinutes(1)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            long now = System.currentTimeMillis();
            return calendars.stream().allMatch(c -> c.period(PeriodType.DAY, now).endMillis() - now > margin.toMillis());
        });
    }
}
