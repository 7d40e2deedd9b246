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
    void shouldKeepTwoValuesAndEvictTheOlderWhenAThirdSharesTheirSet() {
        // Given a single set of two slots, so every value hashes to it
        RepeatedStrings cache = new RepeatedStrings(2);
        String a = read(cache, "model-a");
        String b = read(cache, "model-b-longer-than-sixteen-bytes");

        // When / Then both stay
        assertThat(read(cache, "model-a")).isSameAs(a);
        assertThat(read(cache, "model-b-longer-than-sixteen-bytes")).isSameAs(b);

        // When a third arrives, the older of the two (a) goes
        String c = read(cache, "model-c");
        assertThat(read(cache, "model-c")).isSameAs(c);
        assertThat(read(cache, "model-b-longer-than-sixteen-bytes")).isSameAs(b);
        assertThat(read(cache, "model-a")).isEqualTo(a).isNotSameAs(a);
        assertThat(cache.size()).isEqualTo(2);
    }

    @Test
    void shouldTellApartValuesThatDifferOnlyInOneByteWhenCached() {
        RepeatedStrings cache = new RepeatedStrings(2);

        assertThat(read(cache, "m1")).isEqualTo("m1");
        assertThat(read(cache, "m2")).isEqualTo("m2");
        assertThat(read(cache, "m1")).isEqualTo("m1");
        assertThat(read(cache, "")).isEmpty();
        // the middle bytes, beyond the first and last eight, tell these apart
        assertThat(read(cache, "provider-ab-model-x-1")).isEqualTo("provider-ab-model-x-1");
        assertThat(read(cache, "provider-ac-model-x-1")).isEqualTo("provider-ac-model-x-1");
        assertThat(read(cache, "provider-ab-model-x-1")).isEqualTo("provider-ab-model-x-1");
        // and a shorter value whose bytes are a prefix of a longer one
        assertThat(read(cache, "gpt-4o")).isEqualTo("gpt-4o");
        assertThat(read(cache, "gpt-4o\u0000")).isEqualTo("gpt-4o\u0000");
        assertThat(read(cache, "gpt-4o")).isEqualTo("gpt-4o");
    }

    @Test
    void shouldRefuseASlotCountThatIsNotAPowerOfTwo() {
        assertThatThrownBy(() -> new RepeatedStrings(100)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("power of two of at least 2, got 100");
        assertThatThrownBy(() -> new RepeatedStrings(1)).isInstanceOf(IllegalArgumentException.class);
    }
}
