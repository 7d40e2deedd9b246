package io.tollgate.metering.topology;

import static io.tollgate.metering.topology.TopologyFixture.request;
import static io.tollgate.metering.topology.TopologyFixture.response;
import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.metering.PricedEvents;
import io.tollgate.metering.dlq.DeadLetterReason;
import io.tollgate.metering.spend.LegacySlices;
import io.tollgate.schemas.avro.PeriodType;
import io.tollgate.schemas.avro.ScopeType;
import io.tollgate.schemas.avro.BudgetPolicy;
import io.tollgate.schemas.avro.Policy;
import io.tollgate.schemas.avro.SpendTotal;
import io.tollgate.schemas.avro.TenantPolicy;
import io.tollgate.schemas.avro.UsageEvent;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;

class SpendTopologyTest {

    private static final Instant T0 = Instant.parse("2026-11-21T10:00:00Z");

    @Test
    void shouldHoldReservationInFlightUntilResponseSettlesIt() {
        try (TopologyFixture fx = new TopologyFixture()) {
            // Given a reservation of 5000 micro-dollars
            UsageEvent req = UsageEvent.newBuilder(request("c1", "k1", "gpt-4o", T0, 1000, 5000))
                    .setConversationId("conv-9").build();
            fx.send(req);
            Map<String, SpendTotal> open = TopologyFixture.latest(fx.spend);

            // Then every scope shows it as cost and in flight
            assertThat(open).containsOnlyKeys("tenant:acme@2026-11-21", "tenant:acme@2026-11", "team:search@2026-11-21",
                    "team:search@2026-11", "agent:crawler@2026-11-21", "agent:crawler@2026-11", "api_key:k1@2026-11-21",
                    "api_key:k1@2026-11", "conversation:conv-9@2026-11-21", "conversation:conv-9@2026-11",
                    "conversation:conv-9@lifetime");
            assertThat(open.get("team:search@2026-11-21").getCostMicros()).isEqualTo(5000);
            assertThat(open.get("team:search@2026-11-21").getInFlightMicros()).isEqualTo(5000);

            // When the response settles at 3200
            fx.send(response(req, T0.plusSeconds(3), 800, 3200));
            Map<String, SpendTotal> settled = TopologyFixture.latest(fx.spend);

            // Then cost is the actual, nothing is in flight, and the maps agree
            SpendTotal team = settled.get("team:search@2026-11-21");
            assertThat(team.getCostMicros()).isEqualTo(3200);
            assertThat(team.getInFlightMicros()).isZero();
            assertThat(team.getRequests()).isEqualTo(1);
            assertThat(team.getPromptTokens() + team.getCompletionTokens()).isEqualTo(800);
            assertThat(team.getCostByModel()).containsEntry("gpt-4o", 3200L);
            assertThat(team.getCostByAgent()).containsEntry("crawler", 3200L);
            SpendTotal lifetime = settled.get("conversation:conv-9@lifetime");
            assertThat(lifetime.getPeriod()).isEqualTo(PeriodType.LIFETIME);
            assertThat(lifetime.getPeriodEndMillis()).isEqualTo(Long.MAX_VALUE);
            assertThat(lifetime.getCostMicros()).isEqualTo(3200);
            assertThat(settled.get("api_key:k1@2026-11").getScopeType()).isEqualTo(ScopeType.API_KEY);
        }
    }

    @Test
    void shouldAddUpCallsAcrossModelsAndAgentsWhenScopeIsShared() {
        try (TopologyFixture fx = new TopologyFixture()) {
            UsageEvent a = request("c1", "k1", "gpt-4o", T0, 10, 1000);
            UsageEvent b = UsageEvent.newBuilder(request("c2", "k2", "claude", T0.plusSeconds(1), 10, 700))
                    .setAgent("writer").build();
            fx.send(a);
            fx.send(b);
            fx.send(response(a, T0.plusSeconds(2), 10, 1200)); // costlier than reserved: +200

            SpendTotal tenant = TopologyFixture.latest(fx.spend).get("tenant:acme@2026-11-21");
            assertThat(tenant.getCostMicros()).isEqualTo(1900);
            assertThat(tenant.getInFlightMicros()).isEqualTo(700);
            assertThat(tenant.getCostByModel()).containsExactlyInAnyOrderEntriesOf(Map.of("gpt-4o", 1200L, "claude", 700L));
            assertThat(tenant.getCostByAgent()).containsExactlyInAnyOrderEntriesOf(Map.of("crawler", 1200L, "writer", 700L));
        }
    }

    @Test
    void shouldUseZoneDayAndMonthWhenConfigured() {
        try (TopologyFixture fx = new TopologyFixture(ZoneId.of("Europe/Berlin"), 0, Duration.ofSeconds(10))) {
            // 2026-10-31T23:30Z is already November 1st in Berlin
            fx.send(request("c1", "k1", "m", Instant.parse("2026-10-31T23:30:00Z"), 1, 10));

            Map<String, SpendTotal> out = TopologyFixture.latest(fx.spend);
            assertThat(out).containsKeys("team:search@2026-11-01", "team:search@2026-11");
            assertThat(out.get("team:search@2026-11").getZone()).isEqualTo("Europe/Berlin");
            assertThat(Instant.ofEpochMilli(out.get("team:search@2026-11").getPeriodStartMillis()))
                    .isEqualTo(Instant.parse("2026-10-31T23:00:00Z"));
        }
    }

    @Test
    void shouldPublishSameTotalsWhenEventsOfOneIntervalAreSummedBeforeRepartition() {
        UsageEvent a = request("c1", "k1", "gpt-4o", T0, 10, 1000);
        UsageEvent b = UsageEvent.newBuilder(request("c2", "k2", "claude", T0.plusSeconds(1), 10, 700))
                .setAgent("writer").build();
        UsageEvent c = request("c3", "k1", "mini", T0.plusSeconds(2), 10, 300);
        java.util.List<UsageEvent> events = java.util.List.of(a, b, c, response(a, T0.plusSeconds(3), 10, 1200),
                response(c, T0.plusSeconds(4), 10, 0)); // c settles at 0: its model sums to 0 but stays listed
        Map<String, SpendTotal> oneByOne;
        try (TopologyFixture fx = new TopologyFixture()) {
            // Given the events sent one interval apart (one repartition record per scope and event)
            events.forEach(fx::send);
            oneByOne = TopologyFixture.latest(fx.spend);
        }
        try (TopologyFixture fx = new TopologyFixture()) {
            // When the same events arrive within one interval (one summed record per scope and day)
            events.forEach(e -> fx.pipe(e));
            fx.passEmitIntervals();
            Map<String, SpendTotal> summed = TopologyFixture.latest(fx.spend);

            // Then every total equals the one-by-one figure
            SpendTotal tenant = summed.get("tenant:acme@2026-11-21");
            assertThat(tenant.getCostMicros()).isEqualTo(1900).isEqualTo(oneByOne.get("tenant:acme@2026-11-21").getCostMicros());
            assertThat(tenant.getInFlightMicros()).isEqualTo(700);
            assertThat(tenant.getRequests()).isEqualTo(3).isEqualTo(oneByOne.get("tenant:acme@2026-11-21").getRequests());
            assertThat(tenant.getCostByModel()).containsExactlyInAnyOrderEntriesOf(
                    Map.of("gpt-4o", 1200L, "claude", 700L, "mini", 0L));
            assertThat(tenant.getCostByModel()).isEqualTo(oneByOne.get("tenant:acme@2026-11-21").getCostByModel());
            for (String key : java.util.List.of("team:search@2026-11-21", "api_key:k1@2026-11", "agent:writer@2026-11-21")) {
                SpendTotal one = oneByOne.get(key);
                SpendTotal sum = summed.get(key);
                assertThat(sum.getCostMicros()).as(key).isEqualTo(one.getCostMicros());
                assertThat(sum.getInFlightMicros()).as(key).isEqualTo(one.getInFlightMicros());
                assertThat(sum.getPromptTokens()).as(key).isEqualTo(one.getPromptTokens());
                assertThat(sum.getCompletionTokens()).as(key).isEqualTo(one.getCompletionTokens());
                assertThat(sum.getCostByAgent()).as(key).isEqualTo(one.getCostByAgent());
                assertThat(sum.getLastEventTime()).as(key).isEqualTo(one.getLastEventTime());
            }
        }
    }

    @Test
    void shouldPublishTheChangedTotalsAtTheCommitWithoutWaitingForWallClock() {
        try (TopologyFixture fx = new TopologyFixture()) {
            // Given an event piped without letting wall-clock time pass (no punctuation runs)
            fx.pipe(request("c1", "k1", "gpt-4o", T0, 10, 1000));

            // Then the driver's commit after the record sent its slice through the repartition topic and published
            // every total it changed, each once
            var out = fx.spend.readKeyValuesToList();
            assertThat(out).extracting(kv -> kv.key).doesNotHaveDuplicates()
                    .contains("tenant:acme@2026-11-21", "team:search@2026-11-21", "api_key:k1@2026-11");
            assertThat(out).filteredOn(kv -> kv.key.equals("team:search@2026-11-21")).singleElement()
                    .satisfies(kv -> assertThat(kv.value.getCostMicros()).isEqualTo(1000));
        }
    }

    @Test
    void shouldCountATeamsDayInItsBudgetsZoneAndTheTenantsInTheTenantsWhenTheBudgetNamesAZone() {
        try (TopologyFixture fx = new TopologyFixture()) {
            // Given team search's daily budget kept on Pacific/Kiritimati (UTC+14) while tenant acme is on UTC
            fx.policies.pipeInput("budget:team:search@DAY", Policy.newBuilder().setPolicy(BudgetPolicy.newBuilder()
                    .setScopeType(ScopeType.TEAM).setScopeId("search").setPeriod(PeriodType.DAY)
                    .setZone("Pacific/Kiritimati").setLimitMicros(1_000_000).build()).build());

            // When a call is made at 2026-11-21T10:00Z, which is 2026-11-22 00:00 on Kiritimati
            fx.pipe(PricedEvents.priced(request("c1", "k1", "mini", T0, 10, 100)));
            fx.passEmitIntervals();

            // Then the team's day is Kiritimati's 2026-11-22, the tenant's and key's UTC's 2026-11-21, and the totals
            // say which tenant's usage they are
            Map<String, SpendTotal> out = TopologyFixture.latest(fx.spend);
            SpendTotal team = out.get("team:search@2026-11-22");
            assertThat(team).isNotNull();
            assertThat(team.getZone()).isEqualTo("Pacific/Kiritimati");
            assertThat(team.getPeriodStartMillis()).isEqualTo(T0.toEpochMilli());
            assertThat(team.getTenant()).isEqualTo("acme");
            assertThat(out).containsKey("tenant:acme@2026-11-21").containsKey("api_key:k1@2026-11-21")
                    .doesNotContainKey("team:search@2026-11-21");
            // the month is Kiritimati's too: November still
            assertThat(out).containsKey("team:search@2026-11");
        }
    }

    @Test
    void shouldCountLaterCallsInTheNewZoneWhenABudgetOrTenantZoneChangesWhileRunning() {
        try (TopologyFixture fx = new TopologyFixture()) {
            // Given a call of tenant acme counted on the default calendar (UTC), which the spend processor now keeps
            fx.pipe(PricedEvents.priced(request("c1", "k1", "mini", T0, 10, 100)));
            fx.passEmitIntervals();
            assertThat(TopologyFixture.latest(fx.spend)).containsKey("team:search@2026-11-21")
                    .containsKey("agent:crawler@2026-11-21");

            // When team search's daily budget moves to Pacific/Kiritimati (UTC+14) and another call is made
            fx.policies.pipeInput("budget:team:search@DAY", Policy.newBuilder().setPolicy(BudgetPolicy.newBuilder()
                    .setScopeType(ScopeType.TEAM).setScopeId("search").setPeriod(PeriodType.DAY)
                    .setZone("Pacific/Kiritimati").setLimitMicros(1_000_000).build()).build());
            fx.pipe(PricedEvents.priced(request("c2", "k1", "mini", T0.plusSeconds(60), 10, 100)));
            fx.passEmitIntervals();

            // Then the team's day is Kiritimati's 2026-11-22 (10:01Z is 00:01 there), holding that call only
            Map<String, SpendTotal> out = TopologyFixture.latest(fx.spend);
            SpendTotal team = out.get("team:search@2026-11-22");
            assertThat(team).isNotNull();
            assertThat(team.getZone()).isEqualTo("Pacific/Kiritimati");
            assertThat(team.getRequests()).isEqualTo(1);
            assertThat(out.get("agent:crawler@2026-11-21").getRequests()).isEqualTo(2);

            // When acme then moves to New York time with a 06:00 reset, and a third call is made
            fx.policies.pipeInput("tenant:acme", Policy.newBuilder()
                    .setPolicy(new TenantPolicy("acme", "America/New_York", 6)).build());
            fx.pipe(PricedEvents.priced(request("c3", "k1", "mini", T0.plusSeconds(120), 10, 100)));
            fx.passEmitIntervals();

            // Then the agent's day is New York's 2026-11-20 (10:02Z is 05:02 there, before the reset), holding that
            // call only, and its UTC day is not changed
            out = TopologyFixture.latest(fx.spend);
            SpendTotal agent = out.get("agent:crawler@2026-11-20");
            assertThat(agent).isNotNull();
            assertThat(agent.getZone()).isEqualTo("America/New_York");
            assertThat(agent.getRequests()).isEqualTo(1);
            assertThat(out).doesNotContainKey("agent:crawler@2026-11-21");
        }
    }

    @Test
    void shouldCountASubAgentUnderTheKeysAgentWhenTheEventNamesOne() {
        try (TopologyFixture fx = new TopologyFixture()) {
            UsageEvent e = UsageEvent.newBuilder(PricedEvents.priced(request("c1", "k1", "mini", T0, 10, 100)))
                    .setSubAgent("summarizer-3").build();

            fx.pipe(e);
            fx.passEmitIntervals();

            Map<String, SpendTotal> out = TopologyFixture.latest(fx.spend);
            assertThat(out.get("agent:crawler@2026-11-21").getCostMicros()).isEqualTo(100);
            assertThat(out.get("sub_agent:crawler/summarizer-3@2026-11-21").getCostMicros()).isEqualTo(100);
            assertThat(out.get("team:search@2026-11-21").getCostMicros()).isEqualTo(100);
        }
    }

    @Test
    void shouldSendOnWhatAnOlderVersionLeftPendingWhenTheTaskFirstCommits() {
        try (TopologyFixture fx = new TopologyFixture()) {
            // Given a slice an older version summed but had not sent on (restored into its pending store): one
            // REQUEST of team search, agent crawler, key k0, reserving 700 at T0; and a key it had not published
            long slot = T0.toEpochMilli() - Math.floorMod(T0.toEpochMilli(), 15 * 60_000L);
            String key = "#4:acme" + String.valueOf(slot).length() + ":" + slot + "6:search7:crawler2:k00:0:6:gpt-4o";
            java.nio.ByteBuffer sums = java.nio.ByteBuffer.allocate(1 + 13 * 8).put((byte) 3);
            for (long n : new long[] {T0.toEpochMilli(), T0.toEpochMilli(), 700, 700, 1, 10, 0, 1, 0, 0, 0, 0, 0}) {
                sums.putLong(n);
            }
            fx.<byte[]>store(LegacySlices.STORE).put(key, sums.array());
            fx.<byte[]>store(LegacySlices.UNPUBLISHED_STORE).put("team:platform@2026-11-21", new byte[0]);

            // When the first event after the upgrade is counted (another key, 1000)
            fx.pipe(request("c1", "k1", "gpt-4o", T0, 10, 1000));

            // Then the totals hold both, the key the older version owed is published too (it has no total here, so
            // nothing is sent for it), and nothing is left in the older stores
            Map<String, SpendTotal> out = TopologyFixture.latest(fx.spend);
            assertThat(out.get("team:search@2026-11-21").getCostMicros()).isEqualTo(1700);
            assertThat(out.get("team:search@2026-11-21").getInFlightMicros()).isEqualTo(1700);
            assertThat(out.get("team:search@2026-11-21").getRequests()).isEqualTo(2);
            assertThat(out.get("api_key:k0@2026-11-21").getCostMicros()).isEqualTo(700);
            assertThat(out.get("api_key:k1@2026-11-21").getCostMicros()).isEqualTo(1000);
            assertThat(fx.<byte[]>store(LegacySlices.STORE).approximateNumEntries()).isZero();
            assertThat(fx.<byte[]>store(LegacySlices.UNPUBLISHED_STORE).approximateNumEntries()).isZero();
        }
    }

    @Test
    void shouldDeadLetterUnreadableSpendDeltasAndKeepCountingWhenTheRepartitionTopicHoldsThem() {
        try (TopologyFixture fx = new TopologyFixture()) {
            // Given three records on the spend repartition topic no pre-aggregator wrote: another format, a delta cut
            // short, and one whose cost map claims more names than its bytes hold
            var repartition = fx.driver.createInputTopic("tollgate-metering-test-" + SpendTopology.REPARTITION
                    + "-repartition", Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer());
            byte[] key = "team:search".getBytes(StandardCharsets.UTF_8);
            ByteBuffer overlong = ByteBuffer.allocate(1 + 4 + 4 + 7 * 8 + 4).put((byte) 4).putInt(4)
                    .put("acme".getBytes(StandardCharsets.UTF_8));
            overlong.position(overlong.position() + 7 * 8);
            overlong.putInt(1_000_000);
            repartition.pipeInput(new TestRecord<>(key, new byte[] {9, 1, 2}, T0));
            repartition.pipeInput(new TestRecord<>(key, new byte[] {4, 0, 0, 0, 4, 'a'}, T0));
            repartition.pipeInput(new TestRecord<>(key, overlong.array(), T0));

            // When a valid call follows
            fx.send(PricedEvents.priced(request("c1", "k1", "mini", T0, 10, 100)));

            // Then each of the three went to the dead-letter handler as unreadable (it publishes them; PoisonRecordsIT
            // reads them from the topic), and the call is counted
            assertThat(fx.metrics.count(DeadLetterReason.DESERIALIZATION)).isEqualTo(3.0);
            assertThat(TopologyFixture.latest(fx.spend).get("team:search@2026-11-21").getRequests()).isEqualTo(1);
        }
    }
}
