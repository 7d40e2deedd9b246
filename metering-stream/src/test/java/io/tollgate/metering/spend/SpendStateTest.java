package io.tollgate.metering.spend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.tollgate.policy.calendar.Periods;
import io.tollgate.schemas.avro.PeriodType;
import io.tollgate.schemas.avro.ScopeType;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

class SpendStateTest {

    private static final Serde<SpendState> SERDE = SpendState.serde();
    /** ASCII, Latin-1, a NUL (two bytes in modified UTF-8), three-byte and surrogate-pair characters, empty. */
    private static final String[] NAMES = {"acme", "team:search", "kräwler", "a\u0000b", "日本語", "€", "😀 agent", "",
            "gpt-4o", "2026-11-21", "Europe/Berlin"};

    @Test
    void shouldStoreTheBytesDataOutputStreamWritesWhenNamesAreAnyUnicode() {
        Random r = new Random(7);
        for (int i = 0; i < 2_000; i++) {
            // Given a total with random names and figures
            SpendState state = randomState(r);

            // When it is encoded
            byte[] bytes = SERDE.serializer().serialize("t", state);

            // Then the bytes are DataOutputStream's layout, and read back to the same total
            assertThat(bytes).as("state %d", i).isEqualTo(dataOutput(state));
            assertThat(SERDE.deserializer().deserialize("t", bytes)).isEqualTo(state);
        }
    }

    @Test
    void shouldRefuseToStoreANameWhenItEncodesToMoreThan65535Bytes() {
        // Given a total whose scope id encodes to 65,536 bytes (21,845 three-byte characters and one ASCII)
        String id = "日".repeat(21_845) + "a";
        SpendState state = new SpendState(ScopeType.TEAM, id, PeriodType.DAY, "2026-11-21", 0, 1, "UTC", 0, 0, 0, 0,
                0, Map.of(), Map.of(), 0, SpendNotes.NONE, "acme");

        // When it is encoded, Then it throws, as DataOutputStream.writeUTF does, and one byte less is stored
        assertThatThrownBy(() -> SERDE.serializer().serialize("t", state)).isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("65536 bytes");
        assertThatThrownBy(() -> dataOutput(state)).isInstanceOf(UncheckedIOException.class);
        SpendState fits = new SpendState(ScopeType.TEAM, "日".repeat(21_845), PeriodType.DAY, "2026-11-21", 0, 1,
                "UTC", 0, 0, 0, 0, 0, Map.of(), Map.of(), 0, SpendNotes.NONE, "acme");
        assertThat(SERDE.serializer().serialize("t", fits)).isEqualTo(dataOutput(fits));
    }

    @Test
    void shouldSumAsTheHashMapMergeDidWhenThousandsOfRandomDeltasAreAdded() {
        Random r = new Random(11);
        int added = 0;
        int overflowed = 0;
        for (int run = 0; run < 40; run++) {
            // Given a fresh total of one scope's day
            SpendState state = SpendState.empty(ScopeType.TEAM, "search",
                    new Periods.Period(PeriodType.DAY, "2026-11-21", 0, 86_400_000L), "UTC", "acme");
            for (int i = 0; i < 150; i++) {
                // When a random delta is added (names from a pool larger than a scanned map; amounts near the
                // limits now and then)
                SpendDelta delta = randomDelta(r);
                SpendState expected;
                try {
                    expected = hashMapAdd(state, delta);
                } catch (ArithmeticException overflow) {
                    expected = null;
                }
                SpendState before = state;
                Throwable thrown = catchThrowable(() -> before.add(delta));

                // Then it is the total the HashMap merge gave, or, where that overflowed, it throws and the total
                // stays as it was, in contents and in its stored bytes
                if (expected == null) {
                    assertThat(thrown).as("run %d delta %d", run, i).isInstanceOf(ArithmeticException.class);
                    assertThat(state).isEqualTo(before);
                    overflowed++;
                    continue;
                }
                assertThat(thrown).as("run %d delta %d", run, i).isNull();
                state = state.add(delta);
                assertThat(state).as("run %d delta %d", run, i).isEqualTo(expected);
                assertThat(state.costByModel()).isEqualTo(new HashMap<>(expected.costByModel()))
                        .hasSameHashCodeAs(new HashMap<>(expected.costByModel()));
                assertThat(state.costByAgent()).isEqualTo(new HashMap<>(expected.costByAgent()));
                assertThat(SERDE.deserializer().deserialize("t", SERDE.serializer().serialize("t", state)))
                        .isEqualTo(state);
                assertThat(state.toAvro(1L).getCostByAgent()).isEqualTo(expected.costByAgent());
                added++;
            }
        }
        // the random deltas both added and overflowed, so both paths were checked
        assertThat(added).isGreaterThan(4_000);
        assertThat(overflowed).isGreaterThan(50);
    }

    @Test
    void shouldLeaveTheTotalAsItWasWhenOneCostWouldOverflow() {
        // Given a total whose costs of gpt-4o are near the largest long
        SpendState state = SpendState.empty(ScopeType.TEAM, "search",
                new Periods.Period(PeriodType.DAY, "2026-11-21", 0, 86_400_000L), "UTC", "acme")
                .add(delta(1, Map.of("gpt-4o", Long.MAX_VALUE - 5, "mini", 3L), Map.of("crawler", 1L)));
        SpendState before = SpendState.empty(ScopeType.TEAM, "search",
                new Periods.Period(PeriodType.DAY, "2026-11-21", 0, 86_400_000L), "UTC", "acme")
                .add(delta(1, Map.of("gpt-4o", Long.MAX_VALUE - 5, "mini", 3L), Map.of("crawler", 1L)));

        // When a delta adds 6 to gpt-4o along with a new model
        Throwable thrown = catchThrowable(() -> state.add(delta(0, Map.of("new", 1L, "gpt-4o", 6L), Map.of())));

        // Then it throws, and the total is as it was; adding 5 still fits
        assertThat(thrown).isInstanceOf(ArithmeticException.class);
        assertThat(state).isEqualTo(before);
        assertThat(state.costByModel()).containsOnlyKeys("gpt-4o", "mini");
        assertThat(state.add(delta(0, Map.of("gpt-4o", 5L), Map.of())).costByModel())
                .isEqualTo(Map.of("gpt-4o", Long.MAX_VALUE, "mini", 3L));
    }

    private static SpendDelta delta(long cost, Map<String, Long> byModel, Map<String, Long> byAgent) {
        return new SpendDelta("acme", 1L, 1L, cost, 0, 1, 0, 0, byModel, byAgent, SpendNotes.NONE);
    }

    /** How {@link SpendState#add} summed before the cost maps were {@link Costs}: HashMap, putAll, merge; notes field by field. */
    private static SpendState hashMapAdd(SpendState s, SpendDelta d) {
        return new SpendState(s.scopeType(), s.scopeId(), s.period(), s.periodKey(), s.startMillis(), s.endMillis(),
                s.zone(), Math.addExact(s.costMicros(), d.costMicros()),
                Math.addExact(s.inFlightMicros(), d.inFlightMicros()), Math.addExact(s.requests(), d.requests()),
                Math.addExact(s.promptTokens(), d.promptTokens()),
                Math.addExact(s.completionTokens(), d.completionTokens()),
                Map.copyOf(hashMapMerge(s.costByModel(), d.costByModel())),
                Map.copyOf(hashMapMerge(s.costByAgent(), d.costByAgent())), Math.max(s.lastEventTime(), d.eventTime()),
                new SpendNotes(Math.addExact(s.notes().abandonedCalls(), d.notes().abandonedCalls()),
                        Math.addExact(s.notes().abandonedMicros(), d.notes().abandonedMicros()),
                        Math.addExact(s.notes().orphanResponses(), d.notes().orphanResponses()),
                        Math.addExact(s.notes().lateReassigned(), d.notes().lateReassigned()),
                        Math.addExact(s.notes().clampedEvents(), d.notes().clampedEvents())), s.tenant());
    }

    private static Map<String, Long> hashMapMerge(Map<String, Long> a, Map<String, Long> b) {
        if (b.isEmpty()) {
            return a;
        }
        if (a.isEmpty()) {
            return b;
        }
        Map<String, Long> sum = HashMap.newHashMap(a.size() + b.size());
        sum.putAll(a);
        b.forEach((name, amount) -> sum.merge(name, amount, Math::addExact));
        return sum;
    }

    private static SpendDelta randomDelta(Random r) {
        return new SpendDelta("acme", r.nextLong(1_000), r.nextLong(1_000), amount(r), amount(r), r.nextInt(3),
                r.nextInt(100), r.nextInt(100), costs(r, 4), costs(r, 20), notes(r));
    }

    /** Mostly none, as most deltas note nothing; else random counts, near a long's limits now and then. */
    private static SpendNotes notes(Random r) {
        if (r.nextInt(3) > 0) {
            return new SpendNotes(0, 0, 0, 0, 0);
        }
        return new SpendNotes(r.nextInt(3), r.nextBoolean() ? 0 : amount(r), r.nextInt(3), r.nextInt(3),
                r.nextInt(3));
    }

    /** Up to five names of the first {@code pool} of {@link #POOL}, each with a small, negative or huge amount. */
    private static Map<String, Long> costs(Random r, int pool) {
        Map<String, Long> map = new HashMap<>();
        int n = r.nextInt(6);
        for (int i = 0; i < n; i++) {
            map.put(POOL.get(r.nextInt(pool)), amount(r));
        }
        return map;
    }

    private static long amount(Random r) {
        return switch (r.nextInt(40)) {
            case 0 -> Long.MAX_VALUE - r.nextInt(1_000);
            case 1 -> Long.MIN_VALUE + r.nextInt(1_000);
            case 2 -> Long.MAX_VALUE / 2 + r.nextInt(1_000);
            case 3 -> 0L;
            default -> r.nextLong(-1_000, 100_000);
        };
    }

    private static final List<String> POOL = List.of("gpt-4o", "claude", "mini", "o1", "crawler", "writer",
            "kräwler", "日本語", "€", "", "a\u0000b", "agent-11", "agent-12", "agent-13", "agent-14", "agent-15",
            "agent-16", "agent-17", "agent-18", "agent-19");

    private static SpendState randomState(Random r) {
        return new SpendState(ScopeType.values()[r.nextInt(ScopeType.values().length)], name(r),
                PeriodType.values()[r.nextInt(PeriodType.values().length)], name(r), r.nextLong(), r.nextLong(),
                name(r), r.nextLong(), r.nextLong(), r.nextLong(), r.nextLong(), r.nextLong(), map(r), map(r),
                r.nextLong(), new SpendNotes(r.nextLong(), r.nextLong(), r.nextLong(), r.nextLong(), r.nextLong()),
                name(r));
    }

    private static String name(Random r) {
        return NAMES[r.nextInt(NAMES.length)] + (r.nextBoolean() ? "" : NAMES[r.nextInt(NAMES.length)]);
    }

    private static Map<String, Long> map(Random r) {
        Map<String, Long> map = new HashMap<>();
        int n = r.nextInt(6);
        for (int i = 0; i < n; i++) {
            map.put(name(r), r.nextLong());
        }
        return map;
    }

    /** The layout written with DataOutputStream, field by field. */
    private static byte[] dataOutput(SpendState v) {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(v.scopeType().ordinal());
            out.writeUTF(v.scopeId());
            out.writeByte(v.period().ordinal());
            out.writeUTF(v.periodKey());
            out.writeLong(v.startMillis());
            out.writeLong(v.endMillis());
            out.writeUTF(v.zone());
            for (long n : new long[] {v.costMicros(), v.inFlightMicros(), v.requests(), v.promptTokens(),
                    v.completionTokens(), v.lastEventTime()}) {
                out.writeLong(n);
            }
            for (Map<String, Long> map : java.util.List.of(v.costByModel(), v.costByAgent())) {
                out.writeInt(map.size());
                for (Map.Entry<String, Long> entry : map.entrySet()) {
                    out.writeUTF(entry.getKey());
                    out.writeLong(entry.getValue());
                }
            }
            for (long n : v.notes().toArray()) {
                out.writeLong(n);
            }
            out.writeUTF(v.tenant());
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
