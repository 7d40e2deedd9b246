package io.tollgate.metering.spend;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
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
}
