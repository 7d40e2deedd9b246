package io.tollgate.metering.spend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.policy.calendar.Calendar;
import io.tollgate.policy.calendar.Calendars;
import io.tollgate.policy.calendar.Periods;
import io.tollgate.policy.records.PolicyRecords;
import io.tollgate.policy.records.PolicySource;
import io.tollgate.policy.scope.Keys;
import io.tollgate.schemas.avro.BudgetPolicy;
import io.tollgate.schemas.avro.PeriodType;
import io.tollgate.schemas.avro.Policy;
import io.tollgate.schemas.avro.ScopeType;
import io.tollgate.schemas.avro.TenantPolicy;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SpendTargetsTest {

    private static final long T0 = Instant.parse("2026-11-21T10:00:00Z").toEpochMilli();
    private static final Calendar FALLBACK = new Calendar(ZoneId.of("UTC"), 0);

    /** Policy records as the global store holds them, with the updater's count of applied records. */
    private final Map<String, Policy> records = new HashMap<>();
    private final AtomicLong version = new AtomicLong();
    private final AtomicInteger reads = new AtomicInteger();
    private final PolicySource source = new PolicySource() {
        @Override
        public Policy get(String recordKey) {
            reads.incrementAndGet();
            return records.get(recordKey);
        }

        @Override
        public long version() {
            return version.get();
        }
    };
    private final Calendars calendars = new Calendars(source, FALLBACK);

    @Test
    void shouldGiveTheSameKeysWithoutReadingPoliciesWhenVersionAndPeriodStayTheSame() {
        // Given the targets of team search, asked once
        SpendTargets targets = new SpendTargets(calendars, version::get, 100);
        List<SpendTargets.Target> first = targets.of("team:search", "acme", T0);
        int readsAfterFirst = reads.get();

        // When asked again later the same day
        List<SpendTargets.Target> again = targets.of("team:search", "acme", T0 + 3_600_000L);

        // Then they are the day and the month in UTC, the very same key instances, and no policy was read
        assertThat(first).extracting(SpendTargets.Target::key)
                .containsExactly("team:search@2026-11-21", "team:search@2026-11");
        assertThat(again.get(0).key()).isSameAs(first.get(0).key());
        assertThat(again.get(1).key()).isSameAs(first.get(1).key());
        assertThat(reads.get()).isEqualTo(readsAfterFirst);
        assertThat(first.get(0).scopeType()).isEqualTo(ScopeType.TEAM);
        assertThat(first.get(0).scopeId()).isEqualTo("search");
        assertThat(first.get(0).calendar()).isEqualTo(FALLBACK);
    }

    @Test
    void shouldMoveToTheNextDayWhenTheInstantLeavesThePeriod() {
        // Given the targets of a conversation on 2026-11-21
        SpendTargets targets = new SpendTargets(calendars, version::get, 100);
        targets.of("conversation:c-1", "acme", T0);

        // When a delta of the next day comes
        List<SpendTargets.Target> next = targets.of("conversation:c-1", "acme", T0 + 86_400_000L);

        // Then its day is the next one, its month and lifetime the same
        assertThat(next).extracting(SpendTargets.Target::key).containsExactly("conversation:c-1@2026-11-22",
                "conversation:c-1@2026-11", "conversation:c-1@lifetime");
        assertThat(next.get(2).period().type()).isEqualTo(PeriodType.LIFETIME);
    }

    @Test
    void shouldFollowTheBudgetZoneWhenABudgetRecordChangesMidStream() {
        // Given team search's targets on UTC, kept
        SpendTargets targets = new SpendTargets(calendars, version::get, 100);
        assertThat(targets.of("team:search", "acme", T0).get(0).key()).isEqualTo("team:search@2026-11-21");

        // When the team's daily budget is put on Pacific/Kiritimati (UTC+14) and the updater counts it
        apply(PolicyRecords.budgetKey(ScopeType.TEAM, "search", PeriodType.DAY), Policy.newBuilder()
                .setPolicy(BudgetPolicy.newBuilder().setScopeType(ScopeType.TEAM).setScopeId("search")
                        .setPeriod(PeriodType.DAY).setZone("Pacific/Kiritimati").setLimitMicros(1_000_000).build())
                .build());
        List<SpendTargets.Target> moved = targets.of("team:search", "acme", T0);

        // Then the day is Kiritimati's 2026-11-22 while the month (no budget) stays UTC's
        assertThat(moved).extracting(SpendTargets.Target::key)
                .containsExactly("team:search@2026-11-22", "team:search@2026-11");
        assertThat(moved.get(0).calendar().zone()).isEqualTo(ZoneId.of("Pacific/Kiritimati"));
        assertThat(moved.get(1).calendar().zone()).isEqualTo(ZoneId.of("UTC"));

        // And when the budget is removed, the day is UTC's again
        apply(PolicyRecords.budgetKey(ScopeType.TEAM, "search", PeriodType.DAY), null);
        assertThat(targets.of("team:search", "acme", T0).get(0).key()).isEqualTo("team:search@2026-11-21");
    }

    @Test
    void shouldFollowTheTenantZoneWhenTheTenantRecordChangesMidStream() {
        // Given agent crawler of tenant acme on UTC, kept
        SpendTargets targets = new SpendTargets(calendars, version::get, 100);
        assertThat(targets.of("agent:crawler", "acme", T0).get(0).key()).isEqualTo("agent:crawler@2026-11-21");

        // When acme moves to New York time with a 06:00 reset
        apply("tenant:acme", Policy.newBuilder().setPolicy(new TenantPolicy("acme", "America/New_York", 6)).build());

        // Then the next delta counts in New York's 2026-11-20 (10:00Z is 05:00 there, before the reset)
        SpendTargets.Target day = targets.of("agent:crawler", "acme", T0).get(0);
        assertThat(day.key()).isEqualTo("agent:crawler@2026-11-20");
        assertThat(day.calendar()).isEqualTo(new Calendar(ZoneId.of("America/New_York"), 6));
        // and the same scope of another tenant has that tenant's calendar
        assertThat(targets.of("agent:crawler", "initech", T0).get(0).key()).isEqualTo("agent:crawler@2026-11-21");
    }

    @Test
    void shouldReadPoliciesEveryTimeWhenTheSourceCannotTellItsVersion() {
        // Given targets told no version (negative)
        SpendTargets targets = new SpendTargets(calendars, () -> -1, 100);
        assertThat(targets.of("tenant:acme", "acme", T0).get(0).key()).isEqualTo("tenant:acme@2026-11-21");

        // When the tenant record changes without a count
        records.put("tenant:acme", Policy.newBuilder().setPolicy(new TenantPolicy("acme", "Pacific/Kiritimati", null))
                .build());

        // Then the next delta sees it
        assertThat(targets.of("tenant:acme", "acme", T0).get(0).key()).isEqualTo("tenant:acme@2026-11-22");
    }

    @Test
    void shouldGiveWhatComputingAfreshGivesWhenScopesInstantsAndPoliciesChangeAtRandom() {
        // Given targets kept for at most 5 scopes, so they also start again empty
        SpendTargets targets = new SpendTargets(calendars, version::get, 5);
        Random r = new Random(5);
        List<String> scopes = List.of("tenant:acme", "team:search", "agent:crawler", "api_key:k1",
                "conversation:c-1", "sub_agent:crawler/fetch", "team:ops", "api_key:k2");
        List<String> zones = List.of("UTC", "Pacific/Kiritimati", "America/New_York", "Asia/Kolkata", "not/a-zone");
        long instant = T0;
        for (int i = 0; i < 5_000; i++) {
            // When policies change now and then, and deltas come mostly in time order
            if (r.nextInt(50) == 0) {
                String zone = zones.get(r.nextInt(zones.size()));
                Integer hour = r.nextBoolean() ? null : r.nextInt(24);
                String name = r.nextBoolean() ? "acme" : "initech";
                apply("tenant:" + name, Policy.newBuilder().setPolicy(new TenantPolicy(name, zone, hour)).build());
            }
            if (r.nextInt(50) == 0) {
                Keys.Scope scope = Keys.parseScope(scopes.get(r.nextInt(scopes.size())));
                PeriodType period = PeriodType.values()[r.nextInt(3)];
                apply(PolicyRecords.budgetKey(scope.type(), scope.id(), period), r.nextBoolean() ? null
                        : Policy.newBuilder().setPolicy(BudgetPolicy.newBuilder().setScopeType(scope.type())
                        .setScopeId(scope.id()).setPeriod(period).setZone(zones.get(r.nextInt(zones.size())))
                        .setLimitMicros(1).build()).build());
            }
            instant += r.nextInt(10) == 0 ? -r.nextLong(3_600_000L) : r.nextLong(600_000L);
            String scopeKey = scopes.get(r.nextInt(scopes.size()));
            String tenant = r.nextInt(10) == 0 ? "initech" : "acme";

            // Then the targets are the calendars, periods and keys computed afresh
            assertThat(targets.of(scopeKey, tenant, instant)).as("delta %d", i)
                    .isEqualTo(afresh(scopeKey, tenant, instant));
        }
    }

    @Test
    void shouldNameTheKeyWhenAScopeKeyIsMalformed() {
        SpendTargets targets = new SpendTargets(calendars, version::get, 100);
        assertThatThrownBy(() -> targets.of("nonsense", "acme", T0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'nonsense'");
    }

    private List<SpendTargets.Target> afresh(String scopeKey, String tenant, long instant) {
        Keys.Scope scope = Keys.parseScope(scopeKey);
        List<SpendTargets.Target> out = new ArrayList<>();
        List<PeriodType> types = scope.type() == ScopeType.CONVERSATION
                ? List.of(PeriodType.DAY, PeriodType.MONTH, PeriodType.LIFETIME) : List.of(PeriodType.DAY, PeriodType.MONTH);
        for (PeriodType type : types) {
            Calendar calendar = calendars.ofScope(scope.type(), scope.id(), tenant, type);
            Periods.Period period = calendar.period(type, instant);
            out.add(new SpendTargets.Target(scope.type(), scope.id(), calendar, period,
                    Keys.spend(scope.type(), scope.id(), period.key())));
        }
        return out;
    }

    /** Puts (or with null removes) a record, then counts it, as the global store's updater does. */
    private void apply(String key, Policy policy) {
        if (policy == null) {
            records.remove(key);
        } else {
            records.put(key, policy);
        }
        version.incrementAndGet();
    }
}
