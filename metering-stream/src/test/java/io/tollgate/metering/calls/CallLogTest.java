package io.tollgate.metering.calls;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.schemas.avro.CallStatus;
import io.tollgate.schemas.avro.Phase;
import io.tollgate.schemas.avro.UsageEvent;
import java.time.Duration;
import java.time.Instant;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
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
    void shouldWriteTheRecordOfTheAttemptsAddedWhenACommitWritesEachCallsEntry() {
        // Given REQUESTs, RESPONSEs and settlements of 200 calls with up to three attempts each, in random order, some
        // events asked about first (as ingest does) and some asked about but not added (a repeat), over ten commits
        Random random = new Random(5);
        List<UsageEvent> events = new ArrayList<>();
        for (int c = 0; c < 200; c++) {
            for (int a = 1 + random.nextInt(3); a > 0; a--) {
                events.add(event(Phase.REQUEST, "c" + c, a));
                events.add(event(Phase.RESPONSE, "c" + c, a));
            }
        }
        java.util.Collections.shuffle(events, random);
        CallLog log = new CallLog(store, 1_000);
        java.util.Map<String, List<CallRecord.Attempt>> added = new java.util.LinkedHashMap<>();
        java.util.Map<String, List<CallRecord>> written = new java.util.HashMap<>();
        for (int i = 0; i < events.size(); i++) {
            UsageEvent e = events.get(i);
            if (random.nextBoolean()) {
                log.seen(events.get(random.nextInt(events.size())), T0 - 1_000, T0 + i);
            }
            if (random.nextBoolean()) {
                log.seen(e, T0 - 1_000, T0 + i);
            }
            CallRecord.Attempt attempt;
            if (e.getPhase() == Phase.RESPONSE) {
                log.response(e, T0 + i);
                attempt = CallRecord.Attempt.answered(e);
            } else if (random.nextInt(4) == 0) {
                log.abandoned(e, T0 + i);
                attempt = CallRecord.Attempt.reserved(e, CallRecord.Status.ABANDONED);
            } else {
                log.request(e, T0 + i);
                attempt = CallRecord.Attempt.reserved(e, CallRecord.Status.ADMITTED);
            }
            added.computeIfAbsent(e.getCallId(), k -> new ArrayList<>()).add(attempt);
            if (i % 100 == 99 || i == events.size() - 1) {
                log.flush();
                added.forEach((callId, attempts) -> written.computeIfAbsent(callId, k -> new ArrayList<>())
                        .add(new CallRecord(callId, "k1", attempts)));
                added.clear();
            }
        }

        // Then each call's entries are, in the order written, the records of the attempts each commit added
        assertThat(written).hasSize(200);
        written.forEach((callId, entries) -> assertThat(entries(callId)).extracting(kv -> kv.value).as(callId)
                .containsExactlyElementsOf(entries));
    }

    @Test
    void shouldKeepEveryAttemptWhenAnotherEventOfTheCallIsAddedBetweenAskingAboutAnEventAndAddingIt() {
        // Given a REQUEST asked about, then the RESPONSE of its call added, then the REQUEST added
        UsageEvent request = event(Phase.REQUEST, "c1", 1);
        UsageEvent response = event(Phase.RESPONSE, "c1", 1);
        assertThat(log.seen(request, T0 - 1_000, T0)).isFalse();
        log.response(response, T0);
        log.request(request, T0 + 1);

        // When the task commits
        log.flush();

        // Then the entry holds both, and both are recognised as repeats
        assertThat(entries("c1")).singleElement().satisfies(entry -> assertThat(entry.value.attempts())
                .extracting(CallRecord.Attempt::eventId).containsExactly(response.getEventId(), request.getEventId()));
        assertThat(log.seen(request, T0 - 1_000, T0 + 2)).isTrue();
        assertThat(log.seen(response, T0 - 1_000, T0 + 2)).isTrue();
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

    @Test
    void shouldNeverAnswerAbsentForAStoredEventWhenItsKeyIsAskedAcrossGenerationsAndARestart() {
        // Given a log whose filter holds 64 keys per generation, at most 4, and a stream of REQUESTs and RESPONSEs of
        // 3000 calls over 6 hours with a dedupe window of 1 hour, committed every 50 events
        CallLog.FilterLimits limits = new CallLog.FilterLimits(64, 4, 1 << 20);
        long window = Duration.ofHours(1).toMillis();
        CallLog first = new CallLog(store, 1_000, limits);
        Random random = new Random(14);
        List<Sent> sent = new ArrayList<>();
        List<UsageEvent> held = new ArrayList<>();
        long now = T0;
        for (int i = 0; i < 6_000; i++) {
            now += random.nextInt(7_200);
            UsageEvent e = event(random.nextBoolean() ? Phase.REQUEST : Phase.RESPONSE, "c" + random.nextInt(3_000), 1);
            UsageEvent asked = random.nextInt(3) == 0 && !sent.isEmpty() ? sent.get(random.nextInt(sent.size())).event() : e;

            // Then every search answers as the store and the held entries alone would, for new events and repeats
            boolean expected = inStore(asked, now - window, now) || held.contains(asked);
            assertThat(first.seen(asked, now - window, now)).as("event %d", i).isEqualTo(expected);
            if (!expected) {
                if (asked.getPhase() == Phase.REQUEST) {
                    first.request(asked, now);
                } else {
                    first.response(asked, now);
                }
                sent.add(new Sent(asked, now));
                held.add(asked);
            }
            if (i % 50 == 49) {
                first.flush();
                held.clear();
            }
        }
        first.flush();

        // When the task restarts on the same store, Then a new log answers as the store does for every event sent
        CallLog restarted = new CallLog(store, 1_000, limits);
        for (Sent s : sent) {
            assertThat(restarted.seen(s.event(), now - window, now)).isEqualTo(inStore(s.event(), now - window, now));
        }
        long from = now - window;
        assertThat(sent.stream().filter(s -> s.ingestTime() >= from)).hasSizeGreaterThan(500)
                .allMatch(s -> restarted.seen(s.event(), from, from + window));
    }

    @Test
    void shouldFindARepeatInTheStoreWhenTheStoreHeldMoreEntriesAtTheStartThanTheFilterReads() {
        // Given a store with 50 calls' entries
        List<UsageEvent> counted = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            UsageEvent e = event(Phase.REQUEST, "c" + i, 1);
            log.request(e, T0 + i);
            log.flush();
            counted.add(e);
        }

        // When a new log over it reads at most 10 entries to build its filter
        CallLog restarted = new CallLog(store, 4, new CallLog.FilterLimits(64, 2, 10));

        // Then it still recognises every repeat (its filter covers only entries from its first search on)
        for (UsageEvent e : counted) {
            assertThat(restarted.seen(e, T0 - 1_000, T0 + 100)).as(e.getCallId()).isTrue();
        }
        // and a call written after it started is recognised too
        UsageEvent later = event(Phase.REQUEST, "later", 1);
        restarted.request(later, T0 + 200);
        restarted.flush();
        assertThat(restarted.seen(later, T0 - 1_000, T0 + 300)).isTrue();
    }

    @Test
    void shouldNotReadTheStoreWhenNoEntryNamesTheEvent() {
        // Given a log over a store that counts its searches, with the REQUESTs of ten calls committed
        AtomicInteger searches = new AtomicInteger();
        CallLog counting = new CallLog(counting(store, searches), 4);
        List<UsageEvent> stored = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            stored.add(event(Phase.REQUEST, "stored-" + i, 1));
            counting.request(stored.get(i), T0 + i);
        }
        counting.flush();

        // When the REQUESTs of 1000 new calls, and the RESPONSEs and retries of the stored calls, are searched
        for (int i = 0; i < 1_000; i++) {
            assertThat(counting.seen(event(Phase.REQUEST, "new-" + i, 1), T0 - 1_000, T0 + 100)).isFalse();
        }
        for (int i = 0; i < 10; i++) {
            assertThat(counting.seen(event(Phase.RESPONSE, "stored-" + i, 1), T0 - 1_000, T0 + 100)).isFalse();
            assertThat(counting.seen(event(Phase.REQUEST, "stored-" + i, 2), T0 - 1_000, T0 + 100)).isFalse();
        }

        // Then none reads the store (the filter's false positives aside: at most one of these 1,020)
        assertThat(searches.get()).isLessThanOrEqualTo(1);

        // and a repeat of a stored event does, and is recognised
        int before = searches.get();
        assertThat(counting.seen(stored.get(3), T0 - 1_000, T0 + 100)).isTrue();
        assertThat(searches.get()).isEqualTo(before + 1);
    }

    private record Sent(UsageEvent event, long ingestTime) {
    }

    private boolean inStore(UsageEvent e, long from, long to) {
        try (WindowStoreIterator<CallRecord> it = store.fetch(CallLog.key(e.getApiKeyId(), e.getCallId()), from, to)) {
            while (it.hasNext()) {
                if (it.next().value.attempts().stream().anyMatch(a -> e.getEventId().equals(a.eventId()))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The store, counting the searches of one call ({@code fetch(key, from, to)}). */
    @SuppressWarnings("unchecked")
    private static WindowStore<String, CallRecord> counting(WindowStore<String, CallRecord> store, AtomicInteger searches) {
        return (WindowStore<String, CallRecord>) Proxy.newProxyInstance(CallLogTest.class.getClassLoader(),
                new Class<?>[] {WindowStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("fetch") && args.length == 3 && args[0] instanceof String) {
                        searches.incrementAndGet();
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
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
