package io.tollgate.metering.calls;

import io.tollgate.schemas.avro.UsageEvent;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps every call's attempts in {@code metering-calls}, a window store keyed {@code <apiKeyId>|<callId>} on the
 * usage partitioning, by ingest (wall-clock) time, with duplicates retained: each event of a call adds its attempt
 * as that event leaves it, with the event's id; the entries are folded into the call when it is asked for
 * ({@link #fold}). The same entries answer whether an event was already counted ({@link #seen}): a repeated event
 * carries its call's key, so reading the few entries of that call replaces a separate store of event ids.
 *
 * <p>The attempts a call gains between two commits are held and written at the commit ({@link #flush}, run by the
 * ingest processor's commit hook inside the transaction) as one entry, at the ingest time of the latest of them: a
 * REQUEST and its RESPONSE a few hundred milliseconds apart cost one store write and one changelog record. An event
 * is remembered at least from its own ingest time, so a repeat is recognised for at least the dedupe retention.
 * Queries read the store, so they see a call's events once the task has committed them. Whole segments are dropped
 * once older than the retention, without any scan. Not thread-safe, like the processor that owns it; created in its
 * {@code init()}, which a task revived after an abort runs again, so what was held is dropped with the transaction.
 *
 * <p>Most searches are for an event no entry names (the REQUEST of a new call, a RESPONSE whose REQUEST is held or
 * stored), so an {@link EventIdFilter} of the events the entries name answers those without reading RocksDB. It is
 * exact: it is given the events of every entry this log writes, and, before its first answer, of every entry the
 * store holds from the first search's start on (the store is restored before {@code init()}); only a search
 * starting at or after that time is answered from it. Should the store hold more than {@link FilterLimits#scan}
 * such entries, the filter covers only entries from the first search's wall-clock time on (after reading the
 * entries stamped later, a clock ahead on the instance that wrote them), so searches read the store until a whole
 * dedupe retention has passed; should it hold more than that many stamped later too, they read the store for as
 * long as the log lives.
 */
public final class CallLog {

    private static final Logger LOG = LoggerFactory.getLogger(CallLog.class);

    /**
     * Bounds of the filter of stored events: events per generation (16 bits each), generations kept, entries of the
     * store read to build it.
     */
    record FilterLimits(int capacity, int generations, int scan) {
    }

    /** 512 KiB per generation of 262,144 events, 4 MiB per task at most; 1,048,576 entries read at the start. */
    static final FilterLimits FILTER_LIMITS = new FilterLimits(1 << 18, 8, 1 << 20);

    private final WindowStore<String, CallRecord> store;
    private final int maxHeld;
    private final FilterLimits limits;
    private final EventIdFilter stored;
    /** Whether the filter was given the store's entries, which happens at the first search (its clock is known). */
    private boolean indexed;
    /** Call key -> its attempts added since the last commit, in the order written, and the latest ingest time. */
    private final Map<String, Held> held = new LinkedHashMap<>();
    /**
     * Call key -> the earliest ingest time the store was searched from without finding an entry, since the last
     * commit: a later search from that time on (the wall clock moves on) need not read the store again.
     */
    private final Map<String, Long> unstored = new HashMap<>();

    /**
     * The event {@link #seen} was last asked about, with its call key and what is held for that call: the event's
     * attempt is added next ({@link #add}), which then neither builds the key again nor looks it up. Any add or
     * flush forgets it.
     */
    private UsageEvent asked;
    private String askedKey;
    private Held askedHeld;

    /**
     * A call's attempts added since the last commit: written into its entry's bytes as they come ({@link
     * CallRecord.Writer}), with the ids of the events they count (a repeat of one is recognised before the commit)
     * and their filter hashes (taken while the ids are in cache, given to the filter at the commit), and the latest
     * ingest time among them.
     */
    private static final class Held {
        final CallRecord.Writer entry;
        /** Ids of the events counted, settlements aside (they carry their REQUEST's id, see {@link #seen}). */
        String[] eventIds = new String[2];
        long[] hashes = new long[2];
        int events;
        long ingestTime;

        Held(String key, String callId, String apiKeyId, CallRecord.Attempt first, long ingestTime) {
            this.entry = new CallRecord.Writer(callId, apiKeyId, first);
            this.ingestTime = ingestTime;
            counted(key, first);
        }

        void add(String key, CallRecord.Attempt attempt, long now) {
            entry.add(attempt);
            ingestTime = Math.max(now, ingestTime);
            counted(key, attempt);
        }

        private void counted(String key, CallRecord.Attempt attempt) {
            if (!counts(attempt)) {
                return;
            }
            if (events == eventIds.length) {
                eventIds = Arrays.copyOf(eventIds, 2 * events);
                hashes = Arrays.copyOf(hashes, 2 * events);
            }
            eventIds[events] = attempt.eventId();
            hashes[events++] = EventIdFilter.hash(key, attempt.eventId());
        }

        boolean holds(String eventId) {
            for (int i = 0; i < events; i++) {
                if (eventId.equals(eventIds[i])) {
                    return true;
                }
            }
            return false;
        }
    }

    public CallLog(WindowStore<String, CallRecord> store, int maxHeld) {
        this(store, maxHeld, FILTER_LIMITS);
    }

    CallLog(WindowStore<String, CallRecord> store, int maxHeld, FilterLimits limits) {
        if (maxHeld < 1) {
            throw new IllegalArgumentException("maxHeld is " + maxHeld + "; expected at least 1");
        }
        if (limits.scan() < 0) {
            throw new IllegalArgumentException("the filter's scan bound is " + limits.scan() + "; expected at least 0");
        }
        this.store = store;
        this.maxHeld = maxHeld;
        this.limits = limits;
        this.stored = new EventIdFilter(limits.capacity(), limits.generations());
    }

    public static String key(String apiKeyId, String callId) {
        return apiKeyId + '|' + callId;
    }

    /**
     * Whether an event with this id was counted for the event's call at an ingest time in {@code [from, to]}: every
     * counted event adds its attempt when it is ingested, so this is true exactly for an event already counted then.
     * A settlement's attempt carries its REQUEST's id but is added later, so it is not read here: an event is
     * remembered from its own ingest time, not from its settlement's.
     */
    public boolean seen(UsageEvent e, long from, long to) {
        String eventId = e.getEventId();
        String key = key(e.getApiKeyId(), e.getCallId());
        Held pending = held.get(key);
        asked = e;
        askedKey = key;
        askedHeld = pending;
        if (pending != null && pending.ingestTime >= from && pending.holds(eventId)) {
            return true;
        }
        if (!indexed) {
            index(from, to);
        }
        if (!stored.mayHold(EventIdFilter.hash(key, eventId), from)) {
            return false;
        }
        Long searchedFrom = unstored.get(key);
        if (searchedFrom != null && from >= searchedFrom) {
            return false;
        }
        boolean any = false;
        try (WindowStoreIterator<CallRecord> it = store.fetch(key, from, to)) {
            while (it.hasNext()) {
                any = true;
                if (holds(it.next().value.attempts(), eventId)) {
                    return true;
                }
            }
        }
        if (!any && unstored.size() < maxHeld) {
            unstored.put(key, from);
        }
        return false;
    }

    /**
     * Gives the filter the events of every entry stored from {@code from} on, or, past the scan bound, of every entry
     * stamped after {@code now}, and says from when it is complete.
     */
    private void index(long from, long now) {
        indexed = true;
        if (addStored(from)) {
            stored.completeFrom(from);
        } else if (addStored(now + 1)) {
            stored.completeFrom(now + 1);
        }
        long complete = stored.completeFrom();
        LOG.info("{}: filter of stored events built from the entries since {}; it answers searches from {} on",
                store.name(), Instant.ofEpochMilli(from),
                complete == Long.MAX_VALUE ? "no time (too many entries stamped ahead)" : Instant.ofEpochMilli(complete));
    }

    /** Adds the events of the entries stored from {@code from} on; false when there were more than the scan bound. */
    private boolean addStored(long from) {
        int read = 0;
        try (KeyValueIterator<Windowed<String>, CallRecord> it = store.fetchAll(from, Long.MAX_VALUE)) {
            while (it.hasNext()) {
                if (read++ == limits.scan()) {
                    return false;
                }
                KeyValue<Windowed<String>, CallRecord> entry = it.next();
                String key = entry.key.key();
                for (CallRecord.Attempt attempt : entry.value.attempts()) {
                    if (counts(attempt)) {
                        stored.add(EventIdFilter.hash(key, attempt.eventId()), entry.key.window().start());
                    }
                }
            }
        }
        return true;
    }

    private static boolean holds(List<CallRecord.Attempt> attempts, String eventId) {
        for (CallRecord.Attempt attempt : attempts) {
            if (counts(attempt) && eventId.equals(attempt.eventId())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether the attempt recognises its event's repeat: not a settlement (it carries its REQUEST's id, see {@link
     * #seen}), nor an entry written before entries named their event.
     */
    private static boolean counts(CallRecord.Attempt attempt) {
        return attempt.status() != CallRecord.Status.ABANDONED && attempt.eventId() != null;
    }

    /** The REQUEST of an attempt: in flight at its reservation. */
    public void request(UsageEvent e, long now) {
        add(e, CallRecord.Attempt.reserved(e, CallRecord.Status.ADMITTED), now);
    }

    /** The RESPONSE of an attempt, whatever came before it: the actual figures count. */
    public void response(UsageEvent e, long now) {
        add(e, CallRecord.Attempt.answered(e), now);
    }

    /** An attempt settled without its RESPONSE: counted at its reservation, no longer in flight. */
    public void abandoned(UsageEvent request, long now) {
        add(request, CallRecord.Attempt.reserved(request, CallRecord.Status.ABANDONED), now);
    }

    private void add(UsageEvent e, CallRecord.Attempt attempt, long now) {
        boolean wasAsked = e == asked;
        String key = wasAsked ? askedKey : key(e.getApiKeyId(), e.getCallId());
        Held pending = wasAsked ? askedHeld : held.get(key);
        forgetAsked();
        if (pending == null) {
            held.put(key, new Held(key, e.getCallId(), e.getApiKeyId(), attempt, now));
        } else {
            pending.add(key, attempt, now);
        }
        if (held.size() > maxHeld) {
            flush(); // as a record cache evicts: one more entry for a call whose events straddle this write
        }
    }

    /**
     * Writes what is held, one entry per call: at the commit, inside its transaction, or early when too much is held.
     */
    public void flush() {
        forgetAsked();
        for (Map.Entry<String, Held> entry : held.entrySet()) {
            Held call = entry.getValue();
            store.put(entry.getKey(), call.entry.record(), call.ingestTime);
            for (int i = 0; i < call.events; i++) {
                stored.add(call.hashes[i], call.ingestTime);
            }
        }
        held.clear();
        unstored.clear();
    }

    private void forgetAsked() {
        asked = null;
        askedKey = null;
        askedHeld = null;
    }

    /**
     * The call from its entries in the order written: per attempt, an answer (SUCCESS, ERROR, CANCELLED) outranks a
     * settlement (ABANDONED), which outranks the reservation (ADMITTED), whatever order they came in; null when there
     * are none.
     */
    public static CallRecord fold(Iterable<CallRecord> entries) {
        CallRecord call = null;
        for (CallRecord entry : entries) {
            if (call == null) {
                call = new CallRecord(entry.callId(), entry.apiKeyId(), List.of());
            }
            for (CallRecord.Attempt attempt : entry.attempts()) {
                CallRecord.Attempt known = call.attempt(attempt.attempt());
                if (known == null || rank(attempt) >= rank(known)) {
                    call = call.with(attempt);
                }
            }
        }
        return call;
    }

    private static int rank(CallRecord.Attempt a) {
        return switch (a.status()) {
            case ADMITTED -> 0;
            case ABANDONED -> 1;
            case SUCCESS, ERROR, CANCELLED -> 2;
        };
    }
}
