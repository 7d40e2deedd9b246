package io.tollgate.policy.calendar;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.policy.calendar.Periods.Period;
import io.tollgate.schemas.avro.PeriodType;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/**
 * What every consumer of a {@link Calendar} relies on, for any zone (±14 h and half- and quarter-hour offsets
 * included), reset hour and instant, with extra weight on instants near midnight, DST changes and month ends.
 */
class CalendarPropertiesTest {

    static final List<String> EDGE_ZONES = List.of("Pacific/Kiritimati", "Pacific/Niue", "Pacific/Pago_Pago",
            "Asia/Kathmandu", "Asia/Kolkata", "Australia/Adelaide", "Australia/Lord_Howe", "America/St_Johns",
            "Pacific/Chatham", "Europe/Berlin", "America/New_York", "America/Santiago", "Asia/Tehran", "UTC");

    @Provide
    Arbitrary<ZoneId> zones() {
        return Arbitraries.oneOf(Arbitraries.of(EDGE_ZONES),
                Arbitraries.of(ZoneId.getAvailableZoneIds().stream().sorted().toList())).map(ZoneId::of);
    }

    /** Instants in 2020-2040, half of them within a few hours of a local midnight, a DST change or a month end. */
    @Provide
    Arbitrary<Long> instants() {
        long from = Instant.parse("2020-01-01T00:00:00Z").toEpochMilli();
        long to = Instant.parse("2040-01-01T00:00:00Z").toEpochMilli();
        Arbitrary<Long> anywhere = Arbitraries.longs().between(from, to);
        Arbitrary<Long> nearMonthEnd = Arbitraries.integers().between(2020, 2039).flatMap(y ->
                Arbitraries.integers().between(1, 12).flatMap(m -> Arbitraries.longs().between(-6 * 3_600_000L, 6 * 3_600_000L)
                        .map(d -> ZonedDateTime.of(y, m, 1, 0, 0, 0, 0, ZoneId.of("UTC")).toInstant().toEpochMilli() + d)));
        return Arbitraries.oneOf(anywhere, nearMonthEnd);
    }

    @Property(tries = 3000)
    void periodContainsItsInstantAndTheNextStartsWhereItEnds(@ForAll("zones") ZoneId zone,
                                                            @ForAll @IntRange(min = 0, max = 23) int resetHour,
                                                            @ForAll("instants") long at) {
        Calendar calendar = new Calendar(zone, resetHour);
        for (PeriodType type : List.of(PeriodType.DAY, PeriodType.MONTH)) {
            Period period = calendar.period(type, at);
            assertThat(period.contains(at)).as("%s %s in %s reset %d", type, Instant.ofEpochMilli(at), zone, resetHour).isTrue();
            assertThat(calendar.period(type, period.startMillis())).isEqualTo(period);
            assertThat(calendar.period(type, period.endMillis() - 1)).isEqualTo(period);
            assertThat(calendar.next(period).startMillis()).isEqualTo(period.endMillis());
            assertThat(period.until()).isEqualTo(period.endMillis());
        }
    }

    @Property(tries = 3000)
    void periodNamedByItsKeyIsThePeriodItself(@ForAll("zones") ZoneId zone,
                                            @ForAll @IntRange(min = 0, max = 23) int resetHour,
                                            @ForAll("instants") long at) {
        Calendar calendar = new Calendar(zone, resetHour);
        for (PeriodType type : List.of(PeriodType.DAY, PeriodType.MONTH)) {
            Period period = calendar.period(type, at);
            assertThat(calendar.periodOfKey(type, period.key())).isEqualTo(period);
        }
    }

    @Property(tries = 2000)
    void dayLastsBetween22And26HoursAndStartsOnAQuarterHour(@ForAll("zones") ZoneId zone,
                                                          @ForAll @IntRange(min = 0, max = 23) int resetHour,
                                                          @ForAll @LongRange(min = 1_577_836_800_000L, max = 2_208_988_800_000L) long at) {
        Period day = new Calendar(zone, resetHour).period(PeriodType.DAY, at);
        long hours = (day.endMillis() - day.startMillis()) / 3_600_000L;
        assertThat(hours).isBetween(22L, 26L);
        // metering pre-aggregates spend in 15-minute slices: no period boundary may fall inside one
        assertThat(day.startMillis() % (15 * 60_000L)).isZero();
    }
}
