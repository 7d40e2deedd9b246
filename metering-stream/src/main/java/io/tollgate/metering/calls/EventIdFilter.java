package io.tollgate.metering.calls;

import java.util.ArrayList;
import java.util.List;

/**
 * Which events the entries in {@code metering-calls} at an ingest time from a given one on may name, by call key and
 * event id: a blocked Bloom filter per generation of events, so {@link CallLog#seen} can tell a new event (the
 * REQUEST of a new call, and also the RESPONSE of a call whose REQUEST is stored) from a repeat without reading
 * RocksDB. It answers "absent" only when it is sure: an event it was given under a time at or after {@code from} is
 * never absent, and for a span starting before {@link #completeFrom} (the time from which it was given every event
 * the store's entries name) it answers "maybe". A saturated filter answers "maybe" more often, never a wrong "absent".
 * The block of an event is chosen by its call key alone, so the events of one entry touch one block.
 *
 * <p>Memory is bounded: generations of {@code capacity} events each ({@code 16} bits per event, ~0.5 % false
 * positives), at most {@code maxGenerations}, allocated as events come. When one more is needed the two oldest are
 * merged (their bits or-ed), so past the bound the oldest generation fills up and answers "maybe" more often.
 * A generation whose newest event is older than a span searched is dropped, and completeness moves past it. Not
 * thread-safe, like the {@link CallLog} that owns it.
 */
final class EventIdFilter {

    /** Bits tested per event, all in one 64-bit block: one memory access per generation. */
    private static final int BITS_PER_KEY = 16;

    private final int capacity;
    private final int maxGenerations;
    private final int blockShift;
    private final List<Generation> generations = new ArrayList<>();
    private long completeFrom = Long.MAX_VALUE;

    private static final class Generation {
        final long[] blocks;
        int events;
        long oldest = Long.MAX_VALUE;
        long newest = Long.MIN_VALUE;

        Generation(int blocks) {
            this.blocks = new long[blocks];
        }
    }

    /**
     * @param capacity events per generation, a power of two of at least 8
     * @param maxGenerations generations kept at most, at least 2
     */
    EventIdFilter(int capacity, int maxGenerations) {
        if (capacity < 8 || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("capacity is " + capacity + "; expected a power of two of at least 8");
        }
        if (maxGenerations < 2) {
            throw new IllegalArgumentException("maxGenerations is " + maxGenerations + "; expected at least 2");
        }
        this.capacity = capacity;
        this.maxGenerations = maxGenerations;
        int blocks = capacity * BITS_PER_KEY / Long.SIZE;
        this.blockShift = Long.SIZE - Integer.numberOfTrailingZeros(blocks);
    }

    /** The filter holds every event the store's entries at an ingest time from {@code time} on name. */
    void completeFrom(long time) {
        completeFrom = time;
    }

    long completeFrom() {
        return completeFrom;
    }

    /** Notes an entry at ingest time {@code time} naming the event of {@code hash} ({@link #hash}). */
    void add(long hash, long time) {
        Generation current = generations.isEmpty() ? null : generations.get(generations.size() - 1);
        if (current == null || current.events >= capacity) {
            if (generations.size() == maxGenerations) {
                mergeOldest();
            }
            current = new Generation(capacity * BITS_PER_KEY / Long.SIZE);
            generations.add(current);
        }
        current.blocks[block(hash)] |= mask(hash);
        current.events++;
        current.oldest = Math.min(current.oldest, time);
        current.newest = Math.max(current.newest, time);
    }

    /**
     * False only when no entry in the store at an ingest time from {@code from} on names the event of {@code hash}
     * ({@link #hash}). Drops the generations all older than {@code from}: a later span starting before them is
     * answered "maybe".
     */
    boolean mayHold(long hash, long from) {
        if (from < completeFrom) {
            return true;
        }
        int block = block(hash);
        long mask = mask(hash);
        for (int i = 0; i < generations.size(); i++) {
            Generation g = generations.get(i);
            if (g.newest < from) {
                completeFrom = Math.max(completeFrom, g.newest + 1);
                generations.remove(i--);
            } else if ((g.blocks[block] & mask) == mask) {
                return true;
            }
        }
        return false;
    }

    /** Bytes of filter held now. */
    long bytes() {
        return (long) generations.size() * capacity * BITS_PER_KEY / Byte.SIZE;
    }

    private void mergeOldest() {
        Generation older = generations.remove(0);
        Generation next = generations.get(0);
        for (int i = 0; i < next.blocks.length; i++) {
            next.blocks[i] |= older.blocks[i];
        }
        next.events += older.events;
        next.oldest = Math.min(next.oldest, older.oldest);
        next.newest = Math.max(next.newest, older.newest);
    }

    private int block(long hash) {
        return (int) (hash >>> blockShift);
    }

    /** Four bits of the block from the hash's low 24 bits (the block index uses its high bits). */
    private static long mask(long hash) {
        return 1L << (hash & 63) | 1L << ((hash >>> 6) & 63) | 1L << ((hash >>> 12) & 63) | 1L << ((hash >>> 18) & 63);
    }

    /**
     * The hash of event {@code eventId} of call {@code key}: high bits (the block) from the call key's {@link
     * String#hashCode}, which the log's map of held calls computes anyway (and the string keeps), the low 24 (the
     * bits in the block) from it and the event id's, each spread over 64 bits by MurmurHash3's finalizer. Events
     * whose hash codes collide only answer "maybe" for each other.
     */
    static long hash(String key, String eventId) {
        return mix(key.hashCode()) ^ (mix(eventId.hashCode()) & 0xFFFFFFL);
    }

    private static long mix(int code) {
        long h = code * 0x9e3779b97f4a7c15L;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb53fe85a9ca3L;
        h ^= h >>> 33;
        return h;
    }
}
