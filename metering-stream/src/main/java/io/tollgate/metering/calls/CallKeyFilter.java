package io.tollgate.metering.calls;

import java.util.ArrayList;
import java.util.List;

/**
 * Which call keys may have entries in {@code metering-calls} at an ingest time from a given one on: a blocked Bloom
 * filter per generation of keys, so {@link CallLog#seen} can tell a call with no entry without reading RocksDB. It
 * answers "absent" only when it is sure: a key it was given under a time at or after {@code from} is never absent,
 * and for a span starting before {@link #completeFrom} (the time from which it was given every entry in the store)
 * it answers "maybe". A saturated filter answers "maybe" more often, never a wrong "absent".
 *
 * <p>Memory is bounded: generations of {@code capacity} keys each ({@code 16} bits per key, ~0.5 % false
 * positives), at most {@code maxGenerations}, allocated as keys come. When one more is needed the two oldest are
 * merged (their bits or-ed), so past the bound the oldest generation fills up and answers "maybe" more often.
 * A generation whose newest key is older than a span searched is dropped, and completeness moves past it. Not
 * thread-safe, like the {@link CallLog} that owns it.
 */
final class CallKeyFilter {

    /** Bits tested per key, all in one 64-bit block: one memory access per generation. */
    private static final int BITS_PER_KEY = 16;

    private final int capacity;
    private final int maxGenerations;
    private final int blockShift;
    private final List<Generation> generations = new ArrayList<>();
    private long completeFrom = Long.MAX_VALUE;

    private static final class Generation {
        final long[] blocks;
        int keys;
        long oldest = Long.MAX_VALUE;
        long newest = Long.MIN_VALUE;

        Generation(int blocks) {
            this.blocks = new long[blocks];
        }
    }

    /**
     * @param capacity keys per generation, a power of two of at least 8
     * @param maxGenerations generations kept at most, at least 2
     */
    CallKeyFilter(int capacity, int maxGenerations) {
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

    /** The filter holds every key with an entry in the store at an ingest time from {@code time} on. */
    void completeFrom(long time) {
        completeFrom = time;
    }

    long completeFrom() {
        return completeFrom;
    }

    /** Notes an entry of {@code key} at ingest time {@code time}. */
    void add(String key, long time) {
        Generation current = generations.isEmpty() ? null : generations.get(generations.size() - 1);
        if (current == null || current.keys >= capacity) {
            if (generations.size() == maxGenerations) {
                mergeOldest();
            }
            current = new Generation(capacity * BITS_PER_KEY / Long.SIZE);
            generations.add(current);
        }
        long hash = hash(key);
        current.blocks[block(hash)] |= mask(hash);
        current.keys++;
        current.oldest = Math.min(current.oldest, time);
        current.newest = Math.max(current.newest, time);
    }

    /**
     * False only when no entry of {@code key} is in the store at an ingest time from {@code from} on. Drops the
     * generations all older than {@code from}: a later span starting before them is answered "maybe".
     */
    boolean mayHold(String key, long from) {
        if (from < completeFrom) {
            return true;
        }
        long hash = hash(key);
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
        next.keys += older.keys;
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
     * The key's {@link String#hashCode}, which the log's map of held calls computes anyway (and the string keeps),
     * spread over 64 bits by MurmurHash3's finalizer (a bijection): distinct hash codes give distinct hashes, and a
     * collision of hash codes (rare, about one key pair in 2^32) only answers "maybe" for the other key.
     */
    static long hash(String key) {
        long h = key.hashCode() * 0x9e3779b97f4a7c15L;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb53fe85a9ca3L;
        h ^= h >>> 33;
        return h;
    }
}
