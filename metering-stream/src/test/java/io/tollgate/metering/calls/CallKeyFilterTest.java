package io.tollgate.metering.calls;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CallKeyFilterTest {

    @Test
    void shouldAnswerAbsentForAlmostEveryOtherKeyWhenAGenerationIsFull() {
        // Given a full generation of 65,536 call keys
        CallKeyFilter filter = new CallKeyFilter(1 << 16, 2);
        filter.completeFrom(0);
        for (int i = 0; i < 1 << 16; i++) {
            filter.add(CallLog.key("k" + i % 50, "call-" + i), 1_000);
        }

        // When 100,000 other keys are asked
        int maybe = 0;
        for (int i = 0; i < 100_000; i++) {
            maybe += filter.mayHold(CallLog.key("k" + i % 50, "other-" + i), 0) ? 1 : 0;
        }

        // Then under 1 % are false positives, and every added key is held
        assertThat(maybe).isLessThan(1_000);
        for (int i = 0; i < 1 << 16; i++) {
            assertThat(filter.mayHold(CallLog.key("k" + i % 50, "call-" + i), 0)).isTrue();
        }
    }

    @Test
    void shouldAnswerMaybeForASpanStartingBeforeAGenerationItDropped() {
        // Given a generation of keys at time 100 and a newer one at time 5000
        CallKeyFilter filter = new CallKeyFilter(8, 4);
        filter.completeFrom(0);
        for (int i = 0; i < 8; i++) {
            filter.add("old-" + i, 100);
        }
        filter.add("new", 5_000);

        // When a span starting after the old generation drops it
        assertThat(filter.mayHold("old-1", 1_000)).isFalse();

        // Then a span starting before it is answered "maybe", not "absent"
        assertThat(filter.mayHold("old-1", 50)).isTrue();
        assertThat(filter.completeFrom()).isEqualTo(101);
    }

    @Test
    void shouldHoldEveryKeyWhenOldGenerationsWereMerged() {
        // Given more generations of keys than are kept
        CallKeyFilter filter = new CallKeyFilter(8, 2);
        filter.completeFrom(0);
        for (int i = 0; i < 80; i++) {
            filter.add("call-" + i, i);
        }

        // Then memory stays at two generations and every key is held
        assertThat(filter.bytes()).isEqualTo(2 * 8 * 16 / 8);
        for (int i = 0; i < 80; i++) {
            assertThat(filter.mayHold("call-" + i, 0)).as("call-" + i).isTrue();
        }
    }
}
