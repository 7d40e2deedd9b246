package io.tollgate.metering.rates;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class BucketsTest {

    @Test
    void shouldMatchBucketByBucketSumsWhenEventsComeInOrderOutOfOrderAndCancelOut() {
        // Given a model of the buckets (start -> requests, tokens), kept by the definition of add
        Random random = new Random(42);
        for (int run = 0; run < 200; run++) {
            // half the runs record into one value in place, half add into new values
            boolean inPlace = run % 2 == 0;
            Buckets buckets = inPlace ? new Buckets() : Buckets.EMPTY;
            TreeMap<Long, long[]> model = new TreeMap<>();
            long clock = 1_000_000L;
            for (int step = 0; step < 300; step++) {
                // mostly the newest second or the next ones, sometimes an older one, and corrections that cancel
                clock += random.nextInt(4) == 0 ? 1_000 * random.nextInt(3) : 0;
                long at = random.nextInt(10) == 0 ? clock - 1_000L * random.nextInt(20) : clock + random.nextInt(1_000);
                long requests = random.nextInt(3) - (random.nextInt(8) == 0 ? 2 : 0);
                long tokens = random.nextInt(5) == 0 ? 0 : random.nextInt(200) - 50;
                long dropUpTo = clock - 10_000L - random.nextInt(3_000);

                // When one event is added
                if (inPlace) {
                    buckets.record(at, requests, tokens, dropUpTo);
                } else {
                    Buckets before = buckets.copy();
                    Buckets next = buckets.add(at, requests, tokens, dropUpTo);
                    assertThat(buckets).as("the value added to").isEqualTo(before);
                    buckets = next;
                }
                long start = Buckets.bucketStart(at);
                model.headMap(dropUpTo, true).clear();
                if (start > dropUpTo) {
                    long[] sums = model.computeIfAbsent(start, s -> new long[2]);
                    sums[0] += requests;
                    sums[1] += tokens;
                    if (sums[0] == 0 && sums[1] == 0) {
                        model.remove(start);
                    }
                }

                // Then the buckets are the model's: retained, non-empty, oldest first
                List<Buckets.Bucket> expected = new ArrayList<>();
                for (Map.Entry<Long, long[]> e : model.entrySet()) {
                    expected.add(new Buckets.Bucket(e.getKey(), e.getValue()[0], e.getValue()[1]));
                }
                assertThat(buckets.buckets()).as("run %d step %d", run, step).containsExactlyElementsOf(expected);
            }
        }
    }

    @Test
    void shouldSurviveASerdeRoundTripAndRecordIntoTheDecodedValueWhenItWasReadFromTheStore() {
        // Given buckets recorded, written and read back
        Buckets written = new Buckets();
        for (int i = 0; i < 50; i++) {
            written.record(1_000L * i, 1, i, -1);
        }
        Buckets read = Buckets.serde().deserializer().deserialize("t", Buckets.serde().serializer().serialize("t", written));
        assertThat(read).isEqualTo(written).hasSameHashCodeAs(written);

        // When both record the same events, dropping the oldest, Then they stay equal
        for (int i = 50; i < 120; i++) {
            written.record(1_000L * i, 2, 1, 1_000L * (i - 40));
            read.record(1_000L * i, 2, 1, 1_000L * (i - 40));
        }
        assertThat(read).isEqualTo(written);
        assertThat(read.size()).isEqualTo(40);
        assertThat(read.startMillis(0)).isEqualTo(80_000L);
    }

    @Test
    void shouldRefuseToRecordIntoTheSharedEmptyValue() {
        assertThatThrownBy(() -> Buckets.EMPTY.record(5_000, 1, 1, 0)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("shared");
        assertThat(Buckets.EMPTY.size()).isZero();
    }

    @Test
    void shouldLeaveTheValueUnchangedWhenAnAdditionToTheNewestBucketWouldOverflow() {
        // Given a newest bucket holding the largest token count
        Buckets full = Buckets.EMPTY.add(5_000, 1, Long.MAX_VALUE, 0);

        // When more tokens are added to it, Then it throws and the value is as it was
        assertThatThrownBy(() -> full.add(5_500, 1, 1, 0)).isInstanceOf(ArithmeticException.class);
        assertThat(full.buckets()).containsExactly(new Buckets.Bucket(5_000, 1, Long.MAX_VALUE));
        // also in place, where the older buckets it would drop stay too
        Buckets recorded = new Buckets();
        recorded.record(1_000, 1, 1, 0);
        recorded.record(5_000, 1, Long.MAX_VALUE, 0);
        assertThatThrownBy(() -> recorded.record(5_500, 1, 1, 2_000)).isInstanceOf(ArithmeticException.class);
        assertThat(recorded.buckets()).containsExactly(new Buckets.Bucket(1_000, 1, 1),
                new Buckets.Bucket(5_000, 1, Long.MAX_VALUE));
    }
}
