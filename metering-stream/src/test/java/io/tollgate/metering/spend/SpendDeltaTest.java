package io.tollgate.metering.spend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

class SpendDeltaTest {

    private static final Serde<SpendDelta> SERDE = SpendDelta.serde();

    @Test
    void shouldEncodeEveryFieldInTheRepartitionLayoutWhenTheMapsHoldOneNameEach() {
        // Given a delta with one model and one agent, a non-ASCII name among them
        SpendDelta delta = new SpendDelta("acme", 1_000L, 2_000L, 300L, -40L, 1L, 60L, 7L, Map.of("gpt-4o", 300L),
                Map.of("kräwler", -5L), new SpendNotes(1, 2, 3, 4, 5));

        // When it is encoded
        byte[] bytes = SERDE.serializer().serialize("t", delta);

        // Then the bytes are format 4, the tenant, seven figures, the two maps and the five notes
        byte[] agent = "kräwler".getBytes(StandardCharsets.UTF_8);
        ByteBuffer expected = ByteBuffer.allocate(bytes.length).put((byte) 4).putInt(4).put("acme".getBytes(StandardCharsets.UTF_8))
                .putLong(1_000L).putLong(2_000L).putLong(300L).putLong(-40L).putLong(1L).putLong(60L).putLong(7L)
                .putInt(1).putInt(6).put("gpt-4o".getBytes(StandardCharsets.UTF_8)).putLong(300L)
                .putInt(1).putInt(agent.length).put(agent).putLong(-5L)
                .putLong(1).putLong(2).putLong(3).putLong(4).putLong(5);
        assertThat(expected.hasRemaining()).isFalse();
        assertThat(bytes).isEqualTo(expected.array());
    }

    @Test
    void shouldReadBackTheSameDeltaWhenTheMapsHoldSeveralNames() {
        // Given a delta with several models and agents, empty notes
        SpendDelta delta = new SpendDelta("initech", -1L, Long.MAX_VALUE, Long.MIN_VALUE, 0L, 2L, 3L, 4L,
                Map.of("gpt-4o", 1L, "claude", 0L, "mini", -7L, "o1", Long.MAX_VALUE),
                Map.of("crawler", 5L, "writer", 6L, "ümlaut", 7L), SpendNotes.NONE);

        // When it is encoded and read back
        SpendDelta read = SERDE.deserializer().deserialize("t", SERDE.serializer().serialize("t", delta));

        // Then it is the same delta
        assertThat(read).isEqualTo(delta);
    }

    @Test
    void shouldReadBackEqualCostsWhenThousandsOfRandomDeltasAreEncoded() {
        Random r = new Random(3);
        for (int i = 0; i < 2_000; i++) {
            // Given a delta with up to twelve models and agents (past eight, found through a hash index)
            Map<String, Long> byModel = new HashMap<>();
            Map<String, Long> byAgent = new HashMap<>();
            int n = r.nextInt(13);
            for (int j = 0; j < n; j++) {
                byModel.put("model-" + r.nextInt(20), r.nextLong());
                byAgent.put(r.nextBoolean() ? "agent-" + r.nextInt(20) : "ägent-" + r.nextInt(20), r.nextLong());
            }
            SpendDelta delta = new SpendDelta("acme", r.nextLong(), r.nextLong(), r.nextLong(), r.nextLong(),
                    r.nextLong(), r.nextLong(), r.nextLong(), byModel, byAgent, SpendNotes.NONE);

            // When it is encoded and read back
            SpendDelta read = SERDE.deserializer().deserialize("t", SERDE.serializer().serialize("t", delta));

            // Then it is the same delta, its costs those of the maps it was made of
            assertThat(read).as("delta %d", i).isEqualTo(delta);
            assertThat(read.costByModel()).isEqualTo(byModel);
            assertThat(read.costByAgent()).isEqualTo(byAgent);
        }
    }

    @Test
    void shouldRefuseADeltaWhenItsCostsNameAModelTwiceOrCountMoreThanItsBytes() {
        // Given the encoding of a delta with models a and b, then the same with b renamed a, and with a count of 10^9
        byte[] bytes = SERDE.serializer().serialize("t", new SpendDelta("acme", 1L, 2L, 3L, 0L, 1L, 0L, 0L,
                new java.util.LinkedHashMap<>(Map.of("a", 1L)), Map.of(), SpendNotes.NONE));
        ByteBuffer twice = ByteBuffer.allocate(bytes.length + 4 + 1 + 8).put(bytes, 0, 1 + 4 + 4 + 7 * 8)
                .putInt(2).putInt(1).put((byte) 'a').putLong(1L).putInt(1).put((byte) 'a').putLong(2L);
        twice.put(bytes, 1 + 4 + 4 + 7 * 8 + 4 + 4 + 1 + 8, bytes.length - (1 + 4 + 4 + 7 * 8 + 4 + 4 + 1 + 8));
        byte[] huge = bytes.clone();
        ByteBuffer.wrap(huge).putInt(1 + 4 + 4 + 7 * 8, 1_000_000_000);

        // When they are read, Then each is refused naming what is wrong
        assertThat(SERDE.deserializer().deserialize("t", bytes).costByModel()).isEqualTo(Map.of("a", 1L));
        assertThatThrownBy(() -> SERDE.deserializer().deserialize("t", twice.array()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'a' twice");
        assertThatThrownBy(() -> SERDE.deserializer().deserialize("t", huge))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1000000000 costs");
    }

    @Test
    void shouldShareTheTenantAndNamesWhenTheyRepeatAcrossDeltas() {
        // Given two deltas of the same tenant, model and agent, encoded
        byte[] first = SERDE.serializer().serialize("t", new SpendDelta("acme-shared", 1L, 1L, 1L, 0L, 1L, 0L, 0L,
                Map.of("gpt-4o-shared", 1L), Map.of("crawler-shared", 1L), SpendNotes.NONE));
        byte[] second = SERDE.serializer().serialize("t", new SpendDelta("acme-shared", 2L, 2L, 2L, 0L, 1L, 0L, 0L,
                Map.of("gpt-4o-shared", 2L), Map.of("crawler-shared", 2L), SpendNotes.NONE));

        // When both are read
        SpendDelta a = SERDE.deserializer().deserialize("t", first);
        SpendDelta b = SERDE.deserializer().deserialize("t", second);

        // Then the second's tenant and names are the first's instances, its amounts its own
        assertThat(b.tenant()).isSameAs(a.tenant());
        assertThat(b.costByModel().keySet().iterator().next()).isSameAs(a.costByModel().keySet().iterator().next());
        assertThat(b.costByAgent().keySet().iterator().next()).isSameAs(a.costByAgent().keySet().iterator().next());
        assertThat(b.costByModel()).isEqualTo(Map.of("gpt-4o-shared", 2L));
    }

    @Test
    void shouldRefuseADeltaWhenAStringIsLongerThanItsBytes() {
        // Given a delta whose tenant length is past the end of its bytes
        byte[] bytes = SERDE.serializer().serialize("t", new SpendDelta("acme", 1L, 1L, 1L, 0L, 1L, 0L, 0L,
                Map.of(), Map.of(), SpendNotes.NONE));
        ByteBuffer.wrap(bytes).putInt(1, bytes.length);

        // When it is read, Then it is refused naming the length
        assertThatThrownBy(() -> SERDE.deserializer().deserialize("t", bytes))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(bytes.length + " bytes");
    }
}
