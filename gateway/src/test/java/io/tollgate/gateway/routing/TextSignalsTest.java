package io.tollgate.gateway.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class TextSignalsTest {

    @Test
    void shouldComputeLazyCountsOnceWhenFirstReadAndEqualTheSameCountsGivenAtOnce() {
        // Given counts that are computed when read
        AtomicInteger computed = new AtomicInteger();
        int[] counts = new int[TextSignal.values().length];
        counts[TextSignal.BUILD.ordinal()] = 2;
        TextSignals lazy = TextSignals.lazily(() -> {
            computed.incrementAndGet();
            return counts.clone();
        });
        assertThat(computed).hasValue(0);

        // When they are read twice, Then they were computed once, and are what the eager counts are
        assertThat(lazy.count(TextSignal.BUILD)).isEqualTo(2);
        assertThat(lazy.asMap()).isEqualTo(Map.of(TextSignal.BUILD, 2));
        assertThat(computed).hasValue(1);
        assertThat(lazy).isEqualTo(TextSignals.of(counts)).hasSameHashCodeAs(TextSignals.of(counts));
    }

    @Test
    void shouldRefuseLazyCountsWhenTheyAreNegative() {
        int[] counts = new int[TextSignal.values().length];
        counts[0] = -1;

        assertThatThrownBy(() -> TextSignals.lazily(() -> counts).count(TextSignal.BUILD))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expected >= 0");
    }
}
