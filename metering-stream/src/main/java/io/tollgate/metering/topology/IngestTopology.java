package io.tollgate.metering.topology;

import io.tollgate.metering.ingest.IngestProcessor;
import io.tollgate.metering.ingest.IngestResult;
import io.tollgate.metering.ingest.MeteredEvent;
import io.tollgate.schemas.Topics;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.Stores;

/**
 * Entry of every aggregation: raw usage records in, counted events out. Input {@code tollgate.usage.v1}
 * (bytes); output {@code tollgate.dead-letter.v1} for refused records; stores {@value #DEDUPE_STORE}
 * (eventIds, window store retained for the dedupe retention), {@value #CLOCK_STORE} (event-time
 * high-water mark per input partition) and {@value #PENDING_STORE} (open reservations by call and attempt).
 * All changelogged, so a restart under exactly-once neither forgets nor repeats. The clock and pending stores
 * are cached, so a value written many times between commits reaches RocksDB and the changelog once. The dedupe
 * store is not: every eventId is written once, so a cache coalesces nothing, and its entries (never deleted)
 * filled the thread's shared record cache; once full, every put to any cached store evicts from that store's
 * own cache, flushing all its dirty entries, so no store coalesced anything any more.
 */
public final class IngestTopology {

    public static final String DEDUPE_STORE = "metering-dedupe";
    public static final String CLOCK_STORE = "metering-ingest-clock";
    public static final String PENDING_STORE = "metering-pending-reservations";

    private IngestTopology() {
    }

    /** Adds the ingest step and returns the stream of accepted events, keyed by API-key id. */
    public static KStream<String, MeteredEvent> build(StreamsBuilder builder, TopologySettings settings) {
        builder.addStateStore(Stores.windowStoreBuilder(
                Stores.persistentWindowStore(DEDUPE_STORE, settings.dedupeRetention(), settings.dedupeRetention(), false),
                Serdes.String(), Serdes.Long()).withCachingDisabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(CLOCK_STORE),
                Serdes.Integer(), Serdes.Long()).withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(PENDING_STORE),
                Serdes.String(), Serdes.Long()).withCachingEnabled());

        KStream<String, IngestResult> results = builder
                .stream(Topics.USAGE, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("usage-source"))
                .process(() -> new IngestProcessor(settings, DEDUPE_STORE, CLOCK_STORE, PENDING_STORE),
                        Named.as("ingest"), DEDUPE_STORE, CLOCK_STORE, PENDING_STORE);

        var branches = results.split(Named.as("ingest-"))
                .branch((k, v) -> v instanceof IngestResult.Rejected, Branched.as("rejected"))
                .defaultBranch(Branched.as("accepted"));
        branches.get("ingest-rejected")
                .map((k, v) -> {
                    IngestResult.Rejected r = (IngestResult.Rejected) v;
                    return KeyValue.pair(r.key(), r.value());
                }, Named.as("dead-letter-bytes"))
                .to(Topics.DEAD_LETTER, Produced.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("dead-letter-sink"));
        return branches.get("ingest-accepted")
                .mapValues(v -> ((IngestResult.Accepted) v).event(), Named.as("accepted-events"));
    }
}
