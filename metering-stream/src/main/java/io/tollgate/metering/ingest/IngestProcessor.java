package io.tollgate.metering.ingest;

import io.tollgate.metering.calls.CallLog;
import io.tollgate.metering.calls.CallRecord;
import io.tollgate.metering.dlq.DeadLetterReason;
import io.tollgate.metering.policy.TenantCalendars;
import io.tollgate.metering.store.CommitHook;
import io.tollgate.metering.store.DeferredStore;
import io.tollgate.policy.calendar.RecentPeriods;
import io.tollgate.metering.topology.TopologySettings;
import io.tollgate.policy.deadletter.DeadLetter;
import io.tollgate.policy.usage.UsagePlausibility;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.Phase;
import io.tollgate.schemas.avro.PeriodType;
import io.tollgate.schemas.avro.UsageEvent;
import io.tollgate.schemas.registry.SchemaRegistries;
import io.tollgate.schemas.registry.SchemaRegistryClient;
import io.tollgate.schemas.serde.WireFormat;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads raw usage records and decides, for each, how it is counted. It deserializes inside the topology (so a
 * poison record becomes a dead letter, not a crashed application), checks {@link UsagePlausibility}, drops
 * repeated event ids (remembered by ingest time in the call's entries, {@link CallLog#seen}), applies the
 * {@link TimeRule}, and pairs each attempt's REQUEST
 * with its RESPONSE ({@link Reservation}): a RESPONSE settles its REQUEST's reservation in the REQUEST's period, a
 * REQUEST without a RESPONSE after the settle-after time is settled as ABANDONED by a wall-clock punctuation, a
 * RESPONSE without a REQUEST counts its actual figures; the reservation keys are also kept in memory ({@link
 * PendingKeys}), so the REQUEST of a new attempt reads no store to learn it has none. Late events are never refused: an event counts in its own
 * period while that period is kept, else in the period of its ingest time ({@link MeteredEvent.Notes#reassigned}).
 * Every counted event writes its call's entry in {@code metering-calls} ({@link CallLog}): the call's figures, and
 * what recognises the event when it comes again.
 */
public final class IngestProcessor implements Processor<byte[], byte[], String, IngestResult> {

    private static final Logger LOG = LoggerFactory.getLogger(IngestProcessor.class);

    /** Calls whose entries are held per task between commits: those with events in one commit interval. */
    private static final int HELD_CALLS = 8_192;
    /** Reservation keys known in memory per task: the attempts in flight and the markers of the pending retention. */
    private static final int KNOWN_RESERVATIONS = 65_536;

    /** The stores the processor uses, by name; {@code callsHook} writes the held call entries at each commit. */
    public record Stores(String clock, String pending, String calls, String callsHook) {
    }

    /**
     * The processor's two children, by name: counted events are forwarded to {@code accepted} only and dead letters
     * to {@code rejected} only, so neither child sorts the other's records out.
     */
    public record Children(String accepted, String rejected) {
    }

    private final TopologySettings settings;
    private final Stores names;
    private final Children children;
    private final Function<ProcessorContext<?, ?>, TenantCalendars> resolver;
    private final Deserializer<UsageEvent> deserializer;
    private final SchemaRegistryClient registry;
    private ProcessorContext<String, IngestResult> context;
    private KeyValueStore<Integer, Long> clock;
    private KeyValueStore<String, Reservation> pending;
    /** The same store, told of the keys it certainly lacks, so a reservation settled before the commit writes nothing. */
    private DeferredStore<String, Reservation> deferredPending;
    private final PendingKeys pendingKeys = new PendingKeys(KNOWN_RESERVATIONS);
    private CallLog calls;
    private TenantCalendars calendars;
    private final RecentPeriods periods = new RecentPeriods();

    public IngestProcessor(TopologySettings settings, Stores names, Children children,
                           Function<ProcessorContext<?, ?>, TenantCalendars> resolver) {
        this.settings = settings;
        this.names = names;
        this.children = children;
        this.resolver = resolver;
        this.deserializer = settings.topics().usage().valueSerde().deserializer();
        this.registry = SchemaRegistries.fromConfig(settings.topics().serdeConfig());
    }

    /** How often open reservations are checked against the settle-after time: a tenth of it, 1 s to 30 s. */
    public static Duration settleCheckInterval(Duration settleAfter) {
        long tenth = settleAfter.toMillis() / 10;
        return Duration.ofMillis(Math.max(1_000, Math.min(30_000, tenth)));
    }

    @Override
    public void init(ProcessorContext<String, IngestResult> context) {
        this.context = context;
        this.clock = context.getStateStore(names.clock());
        this.pending = context.getStateStore(names.pending());
        this.deferredPending = DeferredStore.of(pending);
        PendingKeys.Scan scan = pendingKeys.scan();
        try (KeyValueIterator<String, Reservation> it = pending.all()) {
            it.forEachRemaining(entry -> scan.saw(entry.key));
        }
        scan.end();
        WindowStore<String, CallRecord> callStore = context.getStateStore(names.calls());
        this.calls = new CallLog(callStore, HELD_CALLS);
        CommitHook.register(context, names.callsHook(), now -> calls.flush());
        this.calendars = resolver.apply(context);
        context.schedule(settleCheckInterval(settings.settleAfter()), PunctuationType.WALL_CLOCK_TIME, this::settle);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        long now = context.currentSystemTimeMs();
        UsageEvent event = read(record);
        if (event == null) {
            return;
        }
        if (calls.seen(event, now - settings.dedupeRetention().toMillis(), now)) {
            settings.metrics().duplicate();
            LOG.debug("event {} already counted; skipping the repeat", event.getEventId());
            return;
        }
        TimeRule.Judged time = TimeRule.judge(event.getTimestamp().toEpochMilli(), now, settings.maxFutureSkew());
        if (time.clamped()) {
            settings.metrics().clamped();
            LOG.warn("event {} is dated {}, more than {} ahead of the stream clock {}; counted at its ingest time",
                    event.getEventId(), event.getTimestamp(), settings.maxFutureSkew(), Instant.ofEpochMilli(now));
            event = UsageEvent.newBuilder(event).setTimestamp(Instant.ofEpochMilli(now)).build();
        }
        long streamTime = advanceClock(TimeRule.notAhead(time.eventTime(), now));
        Optional<Counted> counted = event.getPhase() == Phase.REQUEST
                ? request(event, time.eventTime(), now, record.value())
                : response(event, time.eventTime(), now);
        if (counted.isEmpty()) {
            return;
        }
        MeteredEvent metered = new MeteredEvent(event, counted.get().kind(), counted.get().period().time(), streamTime,
                new MeteredEvent.Notes(time.clamped(), counted.get().period().reassigned()));
        context.forward(new Record<String, IngestResult>(event.getApiKeyId(), metered,
                TimeRule.notAhead(time.eventTime(), now), new RecordHeaders()), children.accepted());
    }

    /** What an event counts as, and in which period. */
    private record Counted(MeteredEvent.Kind kind, Period period) {
    }

    /** The instant whose period an event counts in, and whether that is its ingest time instead of its own. */
    private record Period(long time, boolean reassigned) {
    }

    /** The deserialized, plausible event, or null after dead-lettering the record. */
    private UsageEvent read(Record<byte[], byte[]> record) {
        if (record.key() == null || record.key().length == 0) {
            reject(record, DeadLetterReason.MISSING_KEY, "usage records are keyed by API-key id; this one has no key");
            return null;
        }
        UsageEvent event;
        try {
            event = deserializer.deserialize(Topics.USAGE, record.value());
        } catch (RuntimeException e) {
            reject(record, classify(record.value()), String.valueOf(e.getMessage()));
            return null;
        }
        if (event == null) {
            reject(record, DeadLetterReason.DESERIALIZATION, "null value (tombstone) on the usage topic");
            return null;
        }
        if (!keyIs(record.key(), event.getApiKeyId())) {
            reject(record, DeadLetterReason.KEY_MISMATCH, "record key '" + new String(record.key(), StandardCharsets.UTF_8)
                    + "' differs from apiKeyId '" + event.getApiKeyId() + "'");
            return null;
        }
        Optional<UsagePlausibility.Problem> problem = UsagePlausibility.check(event);
        if (problem.isPresent()) {
            reject(record, DeadLetterReason.of(problem.get().reason()), problem.get().detail());
            return null;
        }
        return event;
    }

    /**
     * Whether {@code key}, decoded as UTF-8, is {@code id}: compared byte by char while both are ASCII, as ids are,
     * decoded otherwise.
     */
    static boolean keyIs(byte[] key, String id) {
        int n = id.length();
        if (key.length == n) {
            int i = 0;
            for (; i < n; i++) {
                char c = id.charAt(i);
                if (c >= 0x80) {
                    break;
                }
                if (key[i] != (byte) c) {
                    return false; // the bytes before were the same ASCII, so this byte decodes to another char
                }
            }
            if (i == n) {
                return true;
            }
        }
        return new String(key, StandardCharsets.UTF_8).equals(id);
    }

    /** Moves the input partition's event time forward (never past the wall clock); returns it. */
    private long advanceClock(long eventTime) {
        int partition = context.recordMetadata().map(RecordMetadata::partition).orElse(-1);
        Long high = clock.get(partition);
        if (high == null || eventTime > high) {
            clock.put(partition, eventTime);
            return eventTime;
        }
        return high;
    }

    private Optional<Counted> request(UsageEvent event, long eventTime, long now, byte[] raw) {
        String attempt = attemptKey(event);
        Reservation known = reservation(attempt);
        if (known != null && known.state() == Reservation.State.RESPONDED) {
            // its RESPONSE came first and counted the attempt in full; the entry only marks the REQUEST as seen (an
            // answered attempt outranks a reservation when the call is folded)
            forget(attempt);
            calls.request(event, now);
            LOG.info("REQUEST {} of {} came after its RESPONSE, which counted the attempt; adding nothing",
                    event.getEventId(), attempt);
            return Optional.empty();
        }
        Period period = period(event.getTenant(), eventTime, now);
        keep(attempt, Reservation.open(period.time(), eventTime, now, raw));
        calls.request(event, now);
        return Optional.of(new Counted(MeteredEvent.Kind.REQUEST, period));
    }

    private Optional<Counted> response(UsageEvent event, long eventTime, long now) {
        String attempt = attemptKey(event);
        Reservation known = reservation(attempt);
        calls.response(event, now);
        if (known == null || known.state() == Reservation.State.RESPONDED) {
            settings.metrics().orphan();
            Period period = period(event.getTenant(), eventTime, now);
            keep(attempt, Reservation.marker(Reservation.State.RESPONDED, period.time(), eventTime, now));
            return Optional.of(new Counted(MeteredEvent.Kind.ORPHAN_RESPONSE, period));
        }
        forget(attempt);
        Period period = period(event.getTenant(), known.periodTime(), now);
        return Optional.of(new Counted(known.state() == Reservation.State.SETTLED ? MeteredEvent.Kind.LATE_RESPONSE
                : MeteredEvent.Kind.RESPONSE, period));
    }

    /**
     * The period an event counts in: the one containing {@code time}, unless that day ended longer than the period
     * retention ago (its totals are gone from the stores), then the one containing {@code now}.
     */
    private Period period(String tenant, long time, long now) {
        long end = periods.of(calendars.of(tenant), PeriodType.DAY, time).endMillis();
        if (end < now - settings.periodRetention().toMillis()) {
            settings.metrics().reassigned();
            return new Period(now, true);
        }
        return new Period(time, false);
    }

    /** The attempt's reservation or marker; no store read for an attempt the store certainly lacks. */
    private Reservation reservation(String attempt) {
        if (pendingKeys.mayContain(attempt)) {
            return pending.get(attempt);
        }
        deferredPending.knownAbsent(attempt);
        return null;
    }

    private void keep(String attempt, Reservation reservation) {
        pending.put(attempt, reservation);
        pendingKeys.added(attempt);
    }

    private void forget(String attempt) {
        pending.delete(attempt);
        pendingKeys.removed(attempt);
    }

    private static String attemptKey(UsageEvent e) {
        return e.getCallId() + '#' + e.getAttempt();
    }

    /**
     * Wall-clock check: settles reservations open longer than the settle-after time as ABANDONED (in flight closes,
     * the reserved cost stays), and forgets settled and orphan markers after the pending retention.
     */
    private void settle(long now) {
        List<KeyValue<String, Reservation>> due = new ArrayList<>();
        List<String> forgotten = new ArrayList<>();
        long settleBefore = now - settings.settleAfter().toMillis();
        long forgetBefore = now - settings.pendingRetention().toMillis();
        PendingKeys.Scan scan = pendingKeys.scan();
        try (KeyValueIterator<String, Reservation> it = pending.all()) {
            while (it.hasNext()) {
                KeyValue<String, Reservation> entry = it.next();
                scan.saw(entry.key);
                Reservation r = entry.value;
                if (r.state() == Reservation.State.OPEN) {
                    if (r.ingestMillis() <= settleBefore) {
                        due.add(entry);
                    }
                } else if (r.ingestMillis() <= forgetBefore) {
                    forgotten.add(entry.key);
                }
            }
        }
        scan.end();
        forgotten.forEach(this::forget);
        for (KeyValue<String, Reservation> entry : due) {
            abandon(entry.key, entry.value, now);
        }
    }

    private void abandon(String attempt, Reservation open, long now) {
        UsageEvent request = UsageEvent.newBuilder(deserializer.deserialize(Topics.USAGE, open.request()))
                .setTimestamp(Instant.ofEpochMilli(open.eventTime())).build();
        Period period = period(request.getTenant(), open.periodTime(), now);
        keep(attempt, Reservation.marker(Reservation.State.SETTLED, period.time(), open.eventTime(), now));
        calls.abandoned(request, now);
        settings.metrics().abandoned();
        LOG.info("settled {} as ABANDONED: no RESPONSE {} after its REQUEST; {} micro-dollars stay counted", attempt,
                settings.settleAfter(), request.getReservedCostMicros());
        MeteredEvent metered = new MeteredEvent(request, MeteredEvent.Kind.ABANDONED, period.time(),
                TimeRule.notAhead(open.eventTime(), now), new MeteredEvent.Notes(false, period.reassigned()));
        context.forward(new Record<String, IngestResult>(request.getApiKeyId(), metered,
                TimeRule.notAhead(open.eventTime(), now), new RecordHeaders()), children.accepted());
    }

    /** On the error path only: reads the record with its writer schema to tell an unknown phase apart. */
    private DeadLetterReason classify(byte[] value) {
        if (value == null) {
            return DeadLetterReason.DESERIALIZATION;
        }
        try {
            ByteBuffer buffer = ByteBuffer.wrap(value);
            Schema writer = registry.getById(WireFormat.readHeader(Topics.USAGE, buffer));
            GenericRecord generic = new GenericDatumReader<GenericRecord>(writer).read(null,
                    DecoderFactory.get().binaryDecoder(value, buffer.position(), buffer.remaining(), null));
            Object phase = generic.get("phase");
            boolean known = phase != null && List.of("REQUEST", "RESPONSE").contains(phase.toString());
            return known ? DeadLetterReason.DESERIALIZATION : DeadLetterReason.UNKNOWN_PHASE;
        } catch (Exception notReadableEither) {
            return DeadLetterReason.DESERIALIZATION;
        }
    }

    private void reject(Record<byte[], byte[]> record, DeadLetterReason reason, String detail) {
        settings.metrics().deadLetter(reason);
        Optional<RecordMetadata> meta = context.recordMetadata();
        DeadLetter letter = new DeadLetter(record.key(), record.value(), reason.name(), detail, settings.applicationId(),
                meta.map(RecordMetadata::topic).orElse(null), meta.map(RecordMetadata::partition).orElse(-1),
                meta.map(RecordMetadata::offset).orElse(-1L));
        LOG.warn("usage record to dead letters: {} ({})", reason, detail);
        context.forward(new Record<String, IngestResult>(null,
                new IngestResult.Rejected(record.key(), record.value(), reason),
                TimeRule.notAhead(record.timestamp(), context.currentSystemTimeMs()), letter.headers(record.headers())),
                children.rejected());
    }
}
