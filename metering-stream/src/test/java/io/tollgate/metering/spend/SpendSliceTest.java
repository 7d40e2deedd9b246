package io.tollgate.metering.spend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.metering.ingest.MeteredEvent;
import io.tollgate.schemas.avro.Phase;
import io.tollgate.schemas.avro.UsageEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.Test;

class SpendSliceTest {

    private static final long SLOT = 1_763_719_200_000L;
    /** More than a scope's costs scan for (8), some of them sharing a hash bin of a small map. */
    private static final String[] AGENTS = {"crawler", "writer", "a3", "summarizer-7", "x", "Aa", "BB", "agent-10",
            "agent-11", "agent-12", "agent-13", "agent-14"};
    private static final String[] MODELS = {"gpt-4o", "claude-3-5-sonnet", "mini", "o1", "llama-3.1-70b", "m1", "m2",
            "m3", "m4", "m5"};

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

    @Test
    void shouldTakeAnyOneEventWhenItsSliceIsNew() {
        // Given events of every kind with figures at a long's limits
        for (MeteredEvent.Kind kind : MeteredEvent.Kind.values()) {
            for (long figure : new long[] {Long.MAX_VALUE, Long.MIN_VALUE, -1}) {
                UsageEvent e = UsageEvent.newBuilder().setEventId("e").setCallId("c").setPhase(Phase.RESPONSE)
                        .setTimestamp(Instant.ofEpochMilli(SLOT)).setApiKeyId("k").setTenant("acme").setTeam("t")
                        .setAgent("a").setRequestedModel("m").setModel("m").setReservedCostMicros(figure)
                        .setCostMicros(-figure).setReservedPromptTokens(figure).setPromptTokens(figure)
                        .setReservedCompletionTokens(figure).setCompletionTokens(-figure).setReservedTokens(figure)
                        .setTotalTokens(figure).build();

                // When one is added to a new slice, Then it is taken (the pre-aggregation makes the slice first)
                MeteredEvent m = new MeteredEvent(e, kind, SLOT, SLOT, new MeteredEvent.Notes(true, true));
                assertThatCode(() -> new SpendSlice.Sums().add(m)).as("%s %d", kind, figure)
                        .doesNotThrowAnyException();
            }
        }
    }

    @Test
    void shouldRefuseTheSameEventsAndForwardTheSameDeltasAsSumsPerScopeKeyWhenFiguresNearOverflow() {
        // Given random commits of events over few tenants, quarter hours, scopes and models, some of whose figures
        // are near a long's limit or the accumulator's bound for skipping the exact check
        Serializer<SpendDelta> bytes = SpendDelta.serde().serializer();
        int refused = 0;
        int splits = 0;
        int deltas = 0;
        for (long seed = 1; seed <= 60; seed++) {
            Random r = new Random(seed);
            for (int commit = 0; commit < 4; commit++) {
                Map<SpendSlice.Key, SpendSlice.Sums> pending = new LinkedHashMap<>();
                Map<SpendSlice.Key, ScopeKeyedSlices.Sums> reference = new LinkedHashMap<>();
                int events = r.nextInt(600);
                for (int i = 0; i < events; i++) {
                    MeteredEvent m = randomEvent(r);
                    SpendSlice.Key key = SpendSlice.Key.of(m.event(), m.periodTime());

                    // When each is summed into its slice by both
                    boolean taken = take(pending, key, m, SpendSlice.Sums::new, SpendSlice.Sums::add);
                    boolean takenByReference = take(reference, key, m, ScopeKeyedSlices.Sums::new,
                            ScopeKeyedSlices.Sums::add);

                    // Then both refuse the same events
                    assertThat(taken).as("seed %d commit %d event %d", seed, commit, i).isEqualTo(takenByReference);
                    refused += taken ? 0 : 1;
                }

                // And at the commit both forward the same deltas, in the same order, split at the same slices
                List<List<Map.Entry<String, SpendDelta>>> sent = flush(pending);
                List<List<Map.Entry<String, SpendDelta>>> expected = flushByReference(reference);
                assertThat(sent).as("seed %d commit %d", seed, commit).isEqualTo(expected);
                for (int b = 0; b < sent.size(); b++) {
                    for (int d = 0; d < sent.get(b).size(); d++) {
                        assertThat(bytes.serialize("t", sent.get(b).get(d).getValue()))
                                .as("seed %d commit %d delta %d", seed, commit, d)
                                .isEqualTo(bytes.serialize("t", expected.get(b).get(d).getValue()));
                        deltas++;
                    }
                }
                splits += Math.max(0, sent.size() - 1);
            }
        }
        // the edges were reached: events refused and commits split
        assertThat(refused).isPositive();
        assertThat(splits).isPositive();
        assertThat(deltas).isGreaterThan(10_000);
    }

    /** Sums the event into its slice (a new slice if none), as the pre-aggregator does; false if it would overflow. */
    private static <S> boolean take(Map<SpendSlice.Key, S> pending, SpendSlice.Key key, MeteredEvent m,
                                    Supplier<S> newSlice, BiConsumer<S, MeteredEvent> add) {
        S sums = pending.get(key);
        try {
            if (sums == null) {
                sums = newSlice.get();
                add.accept(sums, m);
                pending.put(key, sums);
            } else {
                add.accept(sums, m);
            }
            return true;
        } catch (ArithmeticException overflow) {
            return false;
        }
    }

    /** As the pre-aggregation sends slices on at a commit: what is summed so far when a slice would overflow. */
    private static List<List<Map.Entry<String, SpendDelta>>> flush(Map<SpendSlice.Key, SpendSlice.Sums> pending) {
        List<List<Map.Entry<String, SpendDelta>>> sent = new ArrayList<>();
        SpendSlice.Accumulator sums = new SpendSlice.Accumulator();
        for (Map.Entry<SpendSlice.Key, SpendSlice.Sums> slice : pending.entrySet()) {
            if (!sums.tryAdd(slice.getKey(), slice.getValue())) {
                sent.add(sums.deltas());
                sums = new SpendSlice.Accumulator();
                assertThat(sums.tryAdd(slice.getKey(), slice.getValue())).isTrue();
            }
        }
        sent.add(sums.deltas());
        return sent;
    }

    private static List<List<Map.Entry<String, SpendDelta>>> flushByReference(
            Map<SpendSlice.Key, ScopeKeyedSlices.Sums> pending) {
        List<List<Map.Entry<String, SpendDelta>>> sent = new ArrayList<>();
        ScopeKeyedSlices.Accumulator sums = new ScopeKeyedSlices.Accumulator();
        for (Map.Entry<SpendSlice.Key, ScopeKeyedSlices.Sums> slice : pending.entrySet()) {
            if (!sums.tryAdd(slice.getKey(), slice.getValue())) {
                sent.add(sums.deltas());
                sums = new ScopeKeyedSlices.Accumulator();
                sums.tryAdd(slice.getKey(), slice.getValue());
            }
        }
        sent.add(sums.deltas());
        return sent;
    }

    private static MeteredEvent randomEvent(Random r) {
        long periodTime = SLOT + r.nextInt(3) * SpendSlice.SLOT_MILLIS + r.nextInt((int) SpendSlice.SLOT_MILLIS);
        MeteredEvent.Kind kind = MeteredEvent.Kind.values()[r.nextInt(MeteredEvent.Kind.values().length)];
        UsageEvent e = UsageEvent.newBuilder().setEventId("e").setCallId("c")
                .setPhase(kind == MeteredEvent.Kind.REQUEST ? Phase.REQUEST : Phase.RESPONSE)
                .setTimestamp(Instant.ofEpochMilli(periodTime + r.nextInt(5000)))
                .setTenant(pick(r, "acme", "initech")).setTeam(pick(r, "t1", "t2", "t3"))
                .setAgent(pick(r, AGENTS)).setApiKeyId(pick(r, "k1", "k2", "k3"))
                .setConversationId(pick(r, null, "", "c1", "c2", "c3", "c4")).setSubAgent(pick(r, null, "", "s1", "s2"))
                .setRequestedModel("m").setModel(pick(r, MODELS))
                .setReservedCostMicros(figure(r)).setCostMicros(figure(r))
                .setReservedPromptTokens(figure(r)).setPromptTokens(figure(r))
                .setReservedCompletionTokens(figure(r)).setCompletionTokens(figure(r))
                .setReservedTokens(figure(r)).setTotalTokens(figure(r)).build();
        return new MeteredEvent(e, kind, periodTime, periodTime, new MeteredEvent.Notes(r.nextInt(9) == 0,
                r.nextInt(9) == 0));
    }

    /** Mostly small, some 0; now and then near a long's limit or the bound of the quick overflow check (2^61). */
    private static long figure(Random r) {
        if (r.nextInt(25) != 0) {
            return r.nextInt(4) == 0 ? 0 : r.nextInt(5_000);
        }
        return switch (r.nextInt(6)) {
            case 0 -> Long.MAX_VALUE - r.nextInt(1_000);
            case 1 -> Long.MAX_VALUE / 2 + r.nextInt(1_000);
            case 2 -> -(Long.MAX_VALUE / 2) - r.nextInt(1_000);
            case 3 -> (1L << 61) - 1 + r.nextInt(3);
            case 4 -> -(1L << 61) + 1 - r.nextInt(3);
            default -> 1L << 60;
        };
    }

    @SafeVarargs
    private static <T> T pick(Random r, T... values) {
        return values[r.nextInt(values.length)];
    }
}
