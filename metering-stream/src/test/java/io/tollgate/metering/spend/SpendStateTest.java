package io.tollgate.metering.spend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.schemas.avro.PeriodType;
import io.tollgate.schemas.avro.ScopeType;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
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
