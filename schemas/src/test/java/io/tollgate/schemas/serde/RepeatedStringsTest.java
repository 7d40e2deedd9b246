package io.tollgate.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RepeatedStringsTest {

    static String read(RepeatedStrings cache, String value) {
        // the value in the middle of a larger array, as in a record
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        byte[] data = new byte[utf8.length + 6];
        System.arraycopy(utf8, 0, data, 3, utf8.length);
        return cache.get(data, 3, utf8.length);
    }

    @Test
    void shouldReturnTheSameInstanceWhenTheBytesRepeat() {
        RepeatedStrings cache = new RepeatedStrings(16);

        String first = read(cache, "tenant-ä😀");
        String second = read(cache, "tenant-ä😀");

        assertThat(first).isEqualTo("tenant-ä😀");
        assertThat(second).isSameAs(first);
    }

    @Test
    void shouldDecodeEveryValueCorrectlyWhenManyMoreDistinctValuesThanSlotsArrive() {
        RepeatedStrings cache = new RepeatedStrings(8);

        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 1_000; i++) {
                assertThat(read(cache, "agent-" + i)).isEqualTo("agent-" + i);
            }
        }

        assertThat(cache.size()).isLessThanOrEqualTo(8);
    }

    @Test
    void shouldNotCacheValuesLongerThanTheLimitWhenTheyRepeat() {
        RepeatedStrings cache = new RepeatedStrings(16);
        String atLimit = "a".repeat(RepeatedStrings.MAX_BYTES);
        String beyond = "b".repeat(RepeatedStrings.MAX_BYTES + 1);

        assertThat(read(cache, atLimit)).isSameAs(read(cache, atLimit));
        assertThat(read(cache, beyond)).isEqualTo(beyond).isNotSameAs(read(cache, beyond));
        assertThat(cache.size()).isEqualTo(1);
    }

    @Test
    void shouldTellApartValuesThatDifferOnlyInOneByteWhenCached() {
        RepeatedStrings cache = new RepeatedStrings(1);

        assertThat(read(cache, "m1")).isEqualTo("m1");
        assertThat(read(cache, "m2")).isEqualTo("m2");
        assertThat(read(cache, "m1")).isEqualTo("m1");
        assertThat(read(cache, "")).isEmpty();
    }

    @Test
    void shouldRefuseASlotCountThatIsNotAPowerOfTwo() {
        assertThatThrownBy(() -> new RepeatedStrings(100)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("power of two, got 100");
    }
}
