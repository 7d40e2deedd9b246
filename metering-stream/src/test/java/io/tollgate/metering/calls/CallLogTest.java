package io.tollgate.metering.calls;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.schemas.avro.CallStatus;
import io.tollgate.schemas.avro.Phase;
import io.tollgate.schemas.avro.UsageEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CallLogTest {

    private static final long T0 = Instant.parse("2026-11-21T10:00:00Z").toEpochMilli();

    private WindowStore<String, CallRecord> store;
    private CallLog log;

    @BeforeEach
    void openStore() {
        store = Stores.windowStoreBuilder(Stores.inMemoryWindowStore("calls", Duration.ofDays(1), Duration.ofMillis(1),
                true), Serdes.String(), CallRecord.serde()).withLoggingDisabled().withCachingDisabled().build();
        MockProcessorContext<Object, Object> context = new MockProcessorContext<>();
        store.init(context.getStateStoreContext(), store);
        log = new CallLog(store, 4);
    }

    @AfterEach
    void closeStore() {
        store.close();
    }

    @Test
    void shouldWriteOneEntryPerCallAtTheCommitWhenItsRequestAndResponseCameBetweenTwoCommits() {
        // Given a REQUEST and its RESPONSE between two commits
        UsageEvent request = event(Phase.REQUEST, "c1", 1);
        UsageEvent response = event(Phase.RESPONSE, "c1", 1);
        log.request(request, T0);
        log.response(response, T0 + 300);

        // Then nothing is written before the commit
        assertThat(entries("c1")).isEmpty();

        // When the task commits
        log.flush();

        // Then one entry holds both attempts in the order written, at the latest event's ingest time, and folds
        // into the answered attempt
        List<KeyValue<Long, CallRecord>> entries = entries("c1");
        assertThat(entries).hasSize(1);
        assertThat(entries.get(0).key).isEqualTo(T0 + 300);
        assertThat(entries.get(0).value.attempts()).extracting(CallRecord.Attempt::eventId)
                .containsExactly(request.getEventId(), response.getEventId());
        CallRecord call = CallLog.fold(List.of(entries.get(0).value));
        assertThat(call.attempts()).singleElement()
                .satisfies(a -> assertThat(a.status()).isEqualTo(CallRecord.Status.SUCCESS));
    }

    @Test
    void shouldRecogniseARepeatBeforeAndAfterTheCommitWhenTheEventWasCounted() {
        // Given a counted REQUEST, not yet committed
        UsageEvent request = event(Phase.REQUEST, "c1", 1);
        assertThat(log.seen(request, T0 - 1_000, T0)).isFalse();
        log.request(request, T0);

        // Then its repeat is recognised from what is held, and after the commit from the store
        assertThat(log.seen(request, T0 - 1_000, T0 + 10)).isTrue();
        log.flush();
        assertThat(log.seen(request, T0 - 1_000, T0 + 20)).isTrue();

        // and not once its ingest time is outside the searched span
        assertThat(log.seen(request, T0 + 1, T0 + 20)).isFalse();
    }

    @Test
    void shouldReadTheStoreAgainWhenAnEntryForTheCallWasWrittenSinceItFoundNone() {
        // Given a call the store holds nothing for, searched once (remembered as without entries)
        UsageEvent first = event(Phase.REQUEST, "c1", 1);
        assertThat(log.seen(first, T0 - 1_000, T0)).isFalse();
        log.request(first, T0);

        // When the commit writes its entry and the log is asked about the same event again
        log.flush();

        // Then the store is read, not the memory of finding nothing
        assertThat(log.seen(first, T0 - 1_000, T0 + 5)).isTrue();
    }

    @Test
    void shouldSearchTheStoreWhenTheSpanStartsEarlierThanTheSearchThatFoundNothing() {
        // Given an entry written for a call, and a search from a later time that finds none
        UsageEvent old = event(Phase.REQUEST, "c1", 1);
        log.request(old, T0);
        log.flush();
        UsageEvent other = event(Phase.REQUEST, "c1", 2);
        assertThat(log.seen(other, T0 + 1, T0 + 100)).isFalse();

        // When the wall clock went back and a repeat of the old event is searched from before it
        // Then the store is read again and the repeat recognised
        assertThat(log.seen(old, T0 - 1_000, T0 + 100)).isTrue();
    }

    @Test
    void shouldWriteEarlyWhenMoreCallsAreHeldThanTheBound() {
        // Given a log holding at most 4 calls
        for (int i = 0; i < 5; i++) {
            log.request(event(Phase.REQUEST, "c" + i, 1), T0 + i);
        }

        // Then the fifth call wrote all five before any commit, as a record cache evicts
        for (int i = 0; i < 5; i++) {
            assertThat(entries("c" + i)).as("c" + i).hasSize(1);
        }
    }

    private List<KeyValue<Long, CallRecord>> entries(String callId) {
        List<KeyValue<Long, CallRecord>> out = new ArrayList<>();
        try (WindowStoreIterator<CallRecord> it = store.fetch(CallLog.key("k1", callId), 0L, Long.MAX_VALUE)) {
            it.forEachRemaining(out::add);
        }
        return out;
    }

    private static UsageEvent event(Phase phase, String callId, int attempt) {
        UsageEvent.Builder b = UsageEvent.newBuilder().setEventId(UUID.randomUUID().toString()).setCallId(callId)
                .setAttempt(attempt).setPhase(phase).setTimestamp(Instant.ofEpochMilli(T0)).setApiKeyId("k1")
                .setTenant("acme").setTeam("search").setAgent("crawler").setRequestedModel("m").setModel("m")
                .setReservedPromptTokens(5).setReservedCompletionTokens(5).setReservedTokens(10)
                .setReservedCostMicros(10);
        if (phase == Phase.RESPONSE) {
            b.setPromptTokens(5).setCompletionTokens(3).setTotalTokens(8).setCostMicros(8).setStatus(CallStatus.SUCCESS);
        }
        return b.build();
    }
}
