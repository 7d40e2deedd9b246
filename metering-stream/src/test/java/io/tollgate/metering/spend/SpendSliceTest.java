package io.tollgate.metering.spend;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SpendSliceTest {

    private static final long SLOT = 1_763_719_200_000L;

    /** A slice key as {@link SpendSlice#keyOf} writes it. */
    private static String key(String team, String agent, String apiKey, String conversation, String model) {
        StringBuilder b = new StringBuilder().append(SpendSlice.KEY_MARK);
        for (String field : List.of("acme", Long.toString(SLOT), team, agent, apiKey, conversation, "", model)) {
            b.append(field.length()).append(':').append(field);
        }
        return b.toString();
    }

    /** A slice's sums as {@link SpendSlice#add} stores them: format 3, then thirteen longs. */
    private static byte[] sums(long cost, long requests) {
        ByteBuffer out = ByteBuffer.allocate(1 + 13 * 8).put((byte) 3);
        for (long n : new long[] {SLOT + 5, SLOT + 7, cost, 0, requests, 10, 20, 1, 0, 0, 0, 0, 0}) {
            out.putLong(n);
        }
        return out.array();
    }

    private static Map<String, SpendDelta> byScope(SpendSlice.Accumulator sums) {
        return sums.deltas().stream().collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue));
    }

    @Test
    void shouldSumSlicesPerScopeWhenTheyShareSome() {
        // Given two slices of one team, of two agents and two models
        SpendSlice.Accumulator sums = new SpendSlice.Accumulator();

        // When both are added
        assertThat(sums.tryAdd(key("t", "a1", "k1", "c1", "m1"), sums(300, 1))).isTrue();
        assertThat(sums.tryAdd(key("t", "a2", "k1", "", "m2"), sums(-100, 2))).isTrue();

        // Then the shared scopes hold both, the others one each, with cost by model and agent
        Map<String, SpendDelta> out = byScope(sums);
        assertThat(out.keySet()).containsExactlyInAnyOrder("tenant:acme", "team:t", "agent:a1", "agent:a2",
                "api_key:k1", "conversation:c1");
        SpendDelta team = out.get("team:t");
        assertThat(team.costMicros()).isEqualTo(200);
        assertThat(team.requests()).isEqualTo(3);
        assertThat(team.promptTokens()).isEqualTo(20);
        assertThat(team.costByModel()).isEqualTo(Map.of("m1", 300L, "m2", -100L));
        assertThat(team.costByAgent()).isEqualTo(Map.of("a1", 300L, "a2", -100L));
        assertThat(out.get("conversation:c1").costMicros()).isEqualTo(300);
        assertThat(out.get("agent:a2").costByModel()).isEqualTo(Map.of("m2", -100L));
    }

    @Test
    void shouldRefuseASliceAndKeepEverySumWhenAddingItWouldOverflowOne() {
        // Given a team's sums near the limit in one conversation
        SpendSlice.Accumulator sums = new SpendSlice.Accumulator();
        assertThat(sums.tryAdd(key("t", "a1", "k1", "c1", "m1"), sums(Long.MAX_VALUE - 10, 1))).isTrue();

        // When a slice of another conversation of the same team would overflow the team's cost
        boolean taken = sums.tryAdd(key("t", "a2", "k2", "c2", "m1"), sums(11, 1));

        // Then it is refused, no scope took it (not even the ones it does not share), and the sums are as they were
        assertThat(taken).isFalse();
        Map<String, SpendDelta> out = byScope(sums);
        assertThat(out.keySet()).containsExactlyInAnyOrder("tenant:acme", "team:t", "agent:a1", "api_key:k1",
                "conversation:c1");
        assertThat(out.get("team:t").costMicros()).isEqualTo(Long.MAX_VALUE - 10);
        assertThat(out.get("team:t").requests()).isEqualTo(1);
    }
}
