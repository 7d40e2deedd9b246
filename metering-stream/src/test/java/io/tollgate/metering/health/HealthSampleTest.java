package io.tollgate.metering.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.schemas.avro.CallStatus;
import io.tollgate.schemas.avro.ErrorKind;
import io.tollgate.schemas.avro.Phase;
import io.tollgate.schemas.avro.UsageEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HealthSampleTest {

    private static final int CAPACITY = 64;

    @Test
    void shouldEncodeABatchAsTheAppendedSamplesWhenFilledInPlace() {
        // Given random RESPONSEs, edge values included
        Random random = new Random(14);
        for (int round = 0; round < 200; round++) {
            HealthSample.Batch batch = new HealthSample.Batch(CAPACITY);
            byte[] appended = null;
            List<HealthSample> expected = new ArrayList<>();
            long newest = Long.MIN_VALUE;
            int n = 1 + random.nextInt(CAPACITY);

            // When each is added to the batch, and appended to the reference encoding
            boolean full = false;
            for (int i = 0; i < n; i++) {
                UsageEvent e = response(random);
                full = batch.add(e);
                HealthSample sample = HealthSample.of(e);
                appended = sample.appendTo(appended);
                expected.add(sample);
                newest = Math.max(newest, sample.eventTime());
            }

            // Then the bytes are the same, they read back as the samples, and the newest time is known
            assertThat(batch.bytes()).isEqualTo(appended);
            assertThat(HealthSample.readBatch(batch.bytes())).isEqualTo(expected);
            assertThat(batch.newest()).isEqualTo(newest);
            assertThat(full).isEqualTo(n == CAPACITY);
        }
    }

    @Test
    void shouldRefuseASampleWhenTheBatchIsFull() {
        // Given a full batch of two
        Random random = new Random(7);
        HealthSample.Batch batch = new HealthSample.Batch(2);
        assertThat(batch.add(response(random))).isFalse();
        assertThat(batch.add(response(random))).isTrue();

        // When / Then a third is refused, and the batch keeps its two
        assertThatThrownBy(() -> batch.add(response(random))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("full");
        assertThat(HealthSample.count(batch.bytes())).isEqualTo(2);
    }

    private static UsageEvent response(Random random) {
        long[] edges = {0, 1, -1, Long.MAX_VALUE, Long.MIN_VALUE, Integer.MAX_VALUE};
        long tokens = random.nextBoolean() ? edges[random.nextInt(edges.length)] : random.nextLong();
        long latency = random.nextBoolean() ? edges[random.nextInt(edges.length)] : random.nextInt(100_000);
        CallStatus[] statuses = CallStatus.values();
        ErrorKind[] kinds = ErrorKind.values();
        return UsageEvent.newBuilder().setEventId("e").setCallId("c").setPhase(Phase.RESPONSE)
                .setTimestamp(Instant.ofEpochMilli(1_700_000_000_000L + random.nextInt(10_000_000)))
                .setApiKeyId("k").setTenant("t").setTeam("s").setAgent("a").setRequestedModel("m").setModel("m")
                .setStatus(statuses[random.nextInt(statuses.length)]).setErrorKind(kinds[random.nextInt(kinds.length)])
                .setFallback(random.nextBoolean()).setCompletionTokens(tokens).setLatencyMs(latency).build();
    }
}
