package io.tollgate.metering.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

class JoinedKeysTest {

    @Test
    void shouldGiveTheJoinedKeyAndTheSameInstanceWhenThePairComesAgain() {
        // Given keys joined like quota keys
        JoinedKeys keys = new JoinedKeys(100, (a, b) -> a + '|' + b);

        // When a pair is asked for twice, the second time with equal but distinct strings
        String first = keys.of("key-1", "gpt-4o");
        String again = keys.of(new String("key-1"), new String("gpt-4o"));

        // Then both are the join, and the same instance
        assertThat(first).isEqualTo("key-1|gpt-4o");
        assertThat(again).isSameAs(first);
        assertThat(keys.of("key-1", "*")).isEqualTo("key-1|*");
    }

    @Test
    void shouldStayCorrectWhenMorePairsComeThanItHolds() {
        // Given a capacity far below the pairs asked for
        JoinedKeys keys = new JoinedKeys(7, (a, b) -> a + '@' + b);
        Random random = new Random(3);

        // When / Then every answer is the join, however often it starts again
        for (int i = 0; i < 20_000; i++) {
            String a = "k" + random.nextInt(50);
            String b = "d" + random.nextInt(5);
            assertThat(keys.of(a, b)).isEqualTo(a + '@' + b);
        }
    }

    @Test
    void shouldRefuseACapacityBelowOne() {
        assertThatThrownBy(() -> new JoinedKeys(0, String::concat)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("capacity of 0");
    }
}
