package io.tollgate.metering.calls;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;
import org.junit.jupiter.api.Test;

class EventIdFilterTest {

    @Test
    void shouldAnswerAbsentForAlmostEveryOtherEventWhenAGenerationIsFull() {
        // Given a full generation of 65,536 events: a REQUEST and a RESPONSE of 32,768 calls
        EventIdFilter filter = new EventIdFilter(1 << 16, 2);
        filter.completeFrom(0);
        for (int i = 0; i < 1 << 16; i++) {
            filter.add(hash(CallLog.key("k" + i / 2 % 50, "call-" + i / 2), "event-" + i), 1_000);
        }

        // When 100,000 events of other calls, and 100,000 other events of the same calls (a retry's), are asked
        int otherCalls = 0;
        int sameCalls = 0;
        for (int i = 0; i < 100_000; i++) {
            otherCalls += filter.mayHold(hash(CallLog.key("k" + i % 50, "other-" + i), "event-" + i), 0) ? 1 : 0;
            int call = i % (1 << 15);
            sameCalls += filter.mayHold(hash(CallLog.key("k" + call % 50, "call-" + call), "retry-" + i), 0) ? 1 : 0;
        }

        // Then under 1 % are false positives, under 2.5 % for events of calls it holds (their block holds the calls'
        // events), and every added event is held
        assertThat(otherCalls).isLessThan(1_000);
        assertThat(sameCalls).isLessThan(2_500);
        for (int i = 0; i < 1 << 16; i++) {
            assertThat(filter.mayHold(hash(CallLog.key("k" + i / 2 % 50, "call-" + i / 2), "event-" + i), 0)).isTrue();
        }
    }

    @Test
    void shouldAnswerAbsentForAnotherEventOfACallWhenOnlyTheCallsFirstEventWasAdded() {
        // Given the REQUESTs of 1,000 calls, with UUID event ids
        EventIdFilter filter = new EventIdFilter(1 << 12, 2);
        filter.completeFrom(0);
        for (int i = 0; i < 1_000; i++) {
            filter.add(hash(CallLog.key("k1", "call-" + i), UUID.randomUUID().toString()), 1_000);
        }

        // When their RESPONSEs are asked, Then almost all are answered absent without a store read
        int maybe = 0;
        for (int i = 0; i < 1_000; i++) {
            maybe += filter.mayHold(hash(CallLog.key("k1", "call-" + i), UUID.randomUUID().toString()), 0) ? 1 : 0;
        }
        assertThat(maybe).isLessThan(20);
    }

    @Test
    void shouldAnswerMaybeForASpanStartingBeforeAGenerationItDropped() {
        // Given a generation of events at time 100 and a newer one at time 5000
        EventIdFilter filter = new EventIdFilter(8, 4);
        filter.completeFrom(0);
        for (int i = 0; i < 8; i++) {
            filter.add(hash("old-" + i, "e"), 100);
        }
        filter.add(hash("new", "e"), 5_000);

        // When a span starting after the old generation drops it
        assertThat(filter.mayHold(hash("old-1", "e"), 1_000)).isFalse();

        // Then a span starting before it is answered "maybe", not "absent"
        assertThat(filter.mayHold(hash("old-1", "e"), 50)).isTrue();
        assertThat(filter.completeFrom()).isEqualTo(101);
    }

    @Test
    void shouldHoldEveryEventWhenOldGenerationsWereMerged() {
        // Given more generations of events than are kept
        EventIdFilter filter = new EventIdFilter(8, 2);
        filter.completeFrom(0);
        for (int i = 0; i < 80; i++) {
            filter.add(hash("call-" + i / 2, "event-" + i), i);
        }

        // Then memory stays at two generations and every event is held
        assertThat(filter.bytes()).isEqualTo(2 * 8 * 16 / 8);
        for (int i = 0; i < 80; i++) {
            assertThat(filter.mayHold(hash("call-" + i / 2, "event-" + i), 0)).as("event-" + i).isTrue();
        }
    }

    private static long hash(String key, String eventId) {
        return EventIdFilter.hash(key, eventId);
    }
}
