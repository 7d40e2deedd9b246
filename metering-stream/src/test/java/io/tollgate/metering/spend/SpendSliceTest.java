package io.tollgate.metering.spend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.metering.ingest.MeteredEvent;
import io.tollgate.schemas.avro.Phase;
import io.tollgate.schemas.avro.UsageEvent;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SpendSliceTest {

    private static final long SLOT = 1_763_719_200_000L;

    private static SpendSlice.Key key(String team, String agent, String apiKey, String conversation, String model) {
        return new SpendSlice.Key("acme", SLOT, team, agent, apiKey, conversation, null, model);
    }

    /** The sums of one event of the given kind, reserving {@code reserved} and (a RESPONSE) costing {@code actual}. */
    private static SpendSlice.Sums sums(MeteredEvent.Kind kind, long reserved, long actual) {
        UsageEvent e = UsageEvent.newBuilder().setEventId("e").setCallId("c").setPhase(
                        kind == MeteredEvent.Kind.REQUEST ? Phase.REQUEST : Phase.RESPONSE)
                .setTimestamp(Instant.ofEpochMilli(SLOT + 7)).setApiKeyId("k").setTenant("acme").setTeam("t")
                .setAgent("a").setRequestedModel("m").setModel("m").setReservedPromptTokens(10)
                .setReservedTokens(10).setReservedCostMicros(reserved).setCostMicros(actual).build();
        SpendSlice.Sums sums = new SpendSlice.Sums();
        sums.add(new MeteredEvent(e, kind, SLOT + 5, SLOT + 7, new MeteredEvent.Notes(false, false)));
        return sums;
    }

    private static Map<String, SpendDelta> byScope(SpendSlice.Accumulator sums) {
        return sums.deltas().stream().collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    @Test
    void shouldSumSlicesPerScopeWhenTheyShareSome() {
        // Given two slices of one team, of two agents and two models
        SpendSlice.Accumulator sums = new SpendSlice.Accumulator();

        // When both are added
        // (a REQUEST reserving 300, and a RESPONSE settling a reservation of 100 at 0)
        assertThat(sums.tryAdd(key("t", "a1", "k1", "c1", "m1"), sums(MeteredEvent.Kind.REQUEST, 300, 0))).isTrue();
        assertThat(sums.tryAdd(key("t", "a2", "k1", "", "m2"), sums(MeteredEvent.Kind.RESPONSE, 100, 0))).isTrue();

        // Then the shared scopes hold both, the others one each, with cost by model and agent
        Map<String, SpendDelta> out = byScope(sums);
        assertThat(out.keySet()).containsExactlyInAnyOrder("tenant:acme", "team:t", "agent:a1", "agent:a2",
                "api_key:k1", "conversation:c1");
        SpendDelta team = out.get("team:t");
        assertThat(team.costMicros()).isEqualTo(200);
        assertThat(team.requests()).isEqualTo(1);
        assertThat(team.promptTokens()).isZero();
        assertThat(team.inFlightMicros()).isEqualTo(200);
        assertThat(team.costByModel()).isEqualTo(Map.of("m1", 300L, "m2", -100L));
        assertThat(team.costByAgent()).isEqualTo(Map.of("a1", 300L, "a2", -100L));
        assertThat(out.get("conversation:c1").costMicros()).isEqualTo(300);
        assertThat(out.get("agent:a2").costByModel()).isEqualTo(Map.of("m2", -100L));
    }

    @Test
    void shouldRefuseASliceAndKeepEverySumWhenAddingItWouldOverflowOne() {
        // Given a team's sums near the limit in one conversation
        SpendSlice.Accumulator sums = new SpendSlice.Accumulator();
        assertThat(sums.tryAdd(key("t", "a1", "k1", "c1", "m1"),
                sums(MeteredEvent.Kind.REQUEST, Long.MAX_VALUE - 10, 0))).isTrue();

        // When a slice of another conversation of the same team would overflow the team's cost
        boolean taken = sums.tryAdd(key("t", "a2", "k2", "c2", "m1"), sums(MeteredEvent.Kind.REQUEST, 11, 0));

        // Then it is refused, no scope took it (not even the ones it does not share), and the sums are as they were
        assertThat(taken).isFalse();
        Map<String, SpendDelta> out = byScope(sums);
        assertThat(out.keySet()).containsExactlyInAnyOrder("tenant:acme", "team:t", "agent:a1", "api_key:k1",
                "conversation:c1");
        assertThat(out.get("team:t").costMicros()).isEqualTo(Long.MAX_VALUE - 10);
        assertThat(out.get("team:t").requests()).isEqualTo(1);
    }

    @Test
    void shouldRefuseASliceWhenOnlyAModelsCostWouldOverflowWhileTheTotalsStaySmall() {
        // Given a team whose slices alternate +2^60 on model m1 and -2^60 on model m2: its total cost stays at 0 or
        // 2^60 while m1's cost grows by 2^60 each time
        SpendSlice.Accumulator sums = new SpendSlice.Accumulator();
        long step = 1L << 60;
        for (int i = 0; i < 7; i++) {
            assertThat(sums.tryAdd(key("t", "a1", "k1", "c1", "m1"), sums(MeteredEvent.Kind.REQUEST, step, 0))).isTrue();
            assertThat(sums.tryAdd(key("t", "a1", "k1", "c1", "m2"), sums(MeteredEvent.Kind.REQUEST, -step, 0))).isTrue();
        }
        assertThat(byScope(sums).get("team:t").costMicros()).isZero();

        // When an eighth +2^60 on m1 would take m1's cost to 2^63, past the limit
        boolean taken = sums.tryAdd(key("t", "a1", "k1", "c1", "m1"), sums(MeteredEvent.Kind.REQUEST, step, 0));

        // Then it is refused and m1's sum is as it was
        assertThat(taken).isFalse();
        assertThat(byScope(sums).get("team:t").costByModel()).containsEntry("m1", 7 * step);
    }

    @Test
    void shouldLeaveEverySumOfASliceAsItWasWhenAnEventWouldOverflowOne() {
        // Given a slice whose cost is near the limit
        SpendSlice.Sums slice = sums(MeteredEvent.Kind.REQUEST, Long.MAX_VALUE - 10, 0);
        SpendSlice.Accumulator before = new SpendSlice.Accumulator();
        before.tryAdd(key("t", "a1", "k1", "", "m1"), slice);
        SpendDelta expected = byScope(before).get("team:t");

        // When an event that would overflow its cost is added, Then it throws and no sum changed
        UsageEvent e = UsageEvent.newBuilder().setEventId("e2").setCallId("c2").setPhase(Phase.REQUEST)
                .setTimestamp(Instant.ofEpochMilli(SLOT + 9)).setApiKeyId("k").setTenant("acme").setTeam("t")
                .setAgent("a").setRequestedModel("m").setModel("m").setReservedPromptTokens(10)
                .setReservedTokens(10).setReservedCostMicros(11).build();
        assertThatThrownBy(() -> slice.add(new MeteredEvent(e, MeteredEvent.Kind.REQUEST, SLOT + 9, SLOT + 9,
                new MeteredEvent.Notes(false, false)))).isInstanceOf(ArithmeticException.class);
        SpendSlice.Accumulator after = new SpendSlice.Accumulator();
        after.tryAdd(key("t", "a1", "k1", "", "m1"), slice);
        assertThat(byScope(after).get("team:t")).isEqualTo(expected);
    }
}
