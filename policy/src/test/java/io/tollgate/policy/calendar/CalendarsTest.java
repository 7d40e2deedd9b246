package io.tollgate.policy.calendar;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.policy.calendar.Periods.Period;
import io.tollgate.policy.records.PolicySnapshot;
import io.tollgate.schemas.avro.BudgetPolicy;
import io.tollgate.schemas.avro.OrgSettings;
import io.tollgate.schemas.avro.PeriodType;
import io.tollgate.schemas.avro.Policy;
import io.tollgate.schemas.avro.ScopeType;
import io.tollgate.schemas.avro.TenantPolicy;
import java.time.Instant;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class CalendarsTest {

    private final PolicySnapshot policies = new PolicySnapshot();
    private final Calendars calendars = new Calendars(policies, new Calendar(ZoneId.of("America/New_York"), 3));

    @Test
    void shouldUseTheServiceDefaultWhenNoPolicySaysOtherwise() {
        assertThat(calendars.ofTenant("acme")).isEqualTo(new Calendar(ZoneId.of("America/New_York"), 3));
    }

    @Test
    void shouldPreferTheOrganisationRecordOverTheServiceDefault() {
        policies.apply("org:settings", wrap(OrgSettings.newBuilder().setZone("Europe/Paris").setResetHour(1).build()));

        assertThat(calendars.ofTenant("acme")).isEqualTo(new Calendar(ZoneId.of("Europe/Paris"), 1));
    }

    @Test
    void shouldTakeEachOfZoneAndResetHourFromTheTenantWhenItSetsThem() {
        policies.apply("org:settings", wrap(OrgSettings.newBuilder().setZone("Europe/Paris").setResetHour(1).build()));
        policies.apply("tenant:kiri", wrap(TenantPolicy.newBuilder().setTenant("kiri").setZone("Pacific/Kiritimati").build()));
        policies.apply("tenant:ktm", wrap(TenantPolicy.newBuilder().setTenant("ktm").setZone("Asia/Kathmandu").setResetHour(2).build()));

        assertThat(calendars.ofTenant("kiri")).isEqualTo(new Calendar(ZoneId.of("Pacific/Kiritimati"), 1));
        assertThat(calendars.ofTenant("ktm")).isEqualTo(new Calendar(ZoneId.of("Asia/Kathmandu"), 2));
    }

    @Test
    void shouldUseTheBudgetZoneWithTheTenantResetHourForThatScopeAndPeriodOnly() {
        policies.apply("tenant:ktm", wrap(TenantPolicy.newBuilder().setTenant("ktm").setZone("Asia/Kathmandu").setResetHour(2).build()));
        policies.apply("budget:team:ops@DAY", wrap(BudgetPolicy.newBuilder().setScopeType(ScopeType.TEAM).setScopeId("ops")
                .setPeriod(PeriodType.DAY).setZone("Pacific/Kiritimati").setLimitMicros(1).build()));

        assertThat(calendars.ofScope(ScopeType.TEAM, "ops", "ktm", PeriodType.DAY))
                .isEqualTo(new Calendar(ZoneId.of("Pacific/Kiritimati"), 2));
        assertThat(calendars.ofScope(ScopeType.TEAM, "ops", "ktm", PeriodType.MONTH))
                .isEqualTo(new Calendar(ZoneId.of("Asia/Kathmandu"), 2));
        assertThat(calendars.ofScope(ScopeType.TENANT, "ktm", "someone-else", PeriodType.DAY))
                .isEqualTo(new Calendar(ZoneId.of("Asia/Kathmandu"), 2));
    }

    @Test
    void shouldEndAKiritimatiDayAtTenUtcWhenTheTenantLivesThere() {
        policies.apply("tenant:kiri", wrap(TenantPolicy.newBuilder().setTenant("kiri").setZone("Pacific/Kiritimati").setResetHour(0).build()));
        long at = Instant.parse("2026-12-03T08:00:00Z").toEpochMilli();

        Period day = calendars.ofScope(ScopeType.TEAM, "t9", "kiri", PeriodType.DAY).period(PeriodType.DAY, at);

        assertThat(day.key()).isEqualTo("2026-12-03");
        assertThat(Instant.ofEpochMilli(day.until())).isEqualTo(Instant.parse("2026-12-03T10:00:00Z"));
    }

    @Test
    void shouldSkipAZoneThatDoesNotParse() {
        policies.apply("tenant:bad", wrap(TenantPolicy.newBuilder().setTenant("bad").setZone("Mars/Olympus").build()));

        assertThat(calendars.ofTenant("bad").zone()).isEqualTo(ZoneId.of("America/New_York"));
    }

    private static Policy wrap(Object variant) {
        return Policy.newBuilder().setPolicy(variant).build();
    }
}
