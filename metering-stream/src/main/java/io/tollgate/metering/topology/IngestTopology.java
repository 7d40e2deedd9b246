package io.tollgate.metering.topology;

import io.tollgate.metering.calls.CallRecord;
import io.tollgate.metering.ingest.IngestProcessor;
import io.tollgate.metering.ingest.IngestResult;
import io.tollgate.metering.ingest.MeteredEvent;
import io.tollgate.metering.ingest.Reservation;
import io.tollgate.metering.store.CommitHook;
import io.tollgate.metering.store.DeferredStore;
import io.tollgate.schemas.Topics;
import java.time.Duration;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.Stores;

/**
 * Entry of every aggregation: raw usage records in, counted events out ({@link IngestProcessor}). Input {@code
 * tollgate.usage.v1} (bytes); output {@code tollgate.dead-letter.v1} for refused records; stores {@value #CLOCK_STORE}
 * (event-time high-water mark per input partition, never ahead of the wall clock), {@value #PENDING_STORE} (open
 * reservations, and settled or orphan attempts, by call and attempt) and {@value #CALLS_STORE} (one entry per call and
 * commit, holding the attempts its events added, folded into the call when asked for: a window store by ingest time
 * with duplicates retained, kept for the calls retention; the same entries recognise a repeated event by its id within
 * the dedupe retention). All changelogged, so a restart under exactly-once neither forgets nor repeats. The clock and
 * pending stores are {@link DeferredStore}s, so a value written many times between commits reaches RocksDB and the
 * changelog once, and a reservation opened and settled between two commits not at all. The calls store is not cached:
 * {@link io.tollgate.metering.calls.CallLog} holds a call's new attempts until the commit ({@value #CALLS_HOOK}) and
 * writes them as one entry.
 */
public final class IngestTopology {

    public static final String CLOCK_STORE = "metering-ingest-clock";
    public static final String PENDING_STORE = "metering-pending-reservations";
    public static final String CALLS_STORE = "metering-calls";
    /** Writes the call entries held since the last commit ({@link io.tollgate.metering.calls.CallLog#flush}). */
    public static final String CALLS_HOOK = "metering-calls-commit";
    /** The ingest processor's children: the counted events, and the dead letters' bytes. */
    private static final String ACCEPTED = "accepted-events";
    private static final String REJECTED = "dead-letter-bytes";
    /** A task reads one input partition; more are held should that change. */
    private static final int HELD_PARTITIONS = 64;
    /** Reservations held per task: the attempts whose RESPONSE is due within seconds. */
    private static final int HELD_RESERVATIONS = 8_192;

    private IngestTopology() {
    }

    /** Adds the ingest step and returns the stream of accepted events, keyed by API-key id. */
    public static KStream<String, MeteredEvent> build(StreamsBuilder builder, TopologySettings settings) {
        builder.addStateStore(DeferredStore.builder(Stores.persistentKeyValueStore(CLOCK_STORE), Serdes.Integer(),
                Serdes.Long(), HELD_PARTITIONS));
        builder.addStateStore(DeferredStore.builder(Stores.persistentKeyValueStore(PENDING_STORE), Serdes.String(),
                Reservation.serde(), HELD_RESERVATIONS));
        builder.addStateStore(Stores.windowStoreBuilder(
                Stores.persistentWindowStore(CALLS_STORE, settings.callsRetention(), Duration.ofMillis(1), true),
                Serdes.String(), CallRecord.serde()).withCachingDisabled());

        builder.addStateStore(CommitHook.builder(CALLS_HOOK));
        IngestProcessor.Stores stores = new IngestProcessor.Stores(CLOCK_STORE, PENDING_STORE, CALLS_STORE, CALLS_HOOK);
        IngestProcessor.Children children = new IngestProcessor.Children(ACCEPTED, REJECTED);
        KStream<String, IngestResult> results = builder
                .stream(Topics.USAGE, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("usage-source"))
                .process(() -> new IngestProcessor(settings, stores, children,
                                context -> MeteringTopology.tenantCalendars(context, settings)),
                        Named.as("ingest"), CLOCK_STORE, PENDING_STORE, CALLS_STORE, CALLS_HOOK);
        // the processor forwards each record to one of these two children by name, rather than through a split
        results.map((k, v) -> {
                    IngestResult.Rejected r = (IngestResult.Rejected) v;
                    return KeyValue.pair(r.key(), r.value());
                }, Named.as(REJECTED))
                .to(Topics.DEAD_LETTER, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("dead-letter-sink"));
        return results.mapValues(v -> (MeteredEvent) v, Named.as(ACCEPTED));
    }
}
