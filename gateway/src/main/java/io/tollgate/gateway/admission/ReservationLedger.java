package io.tollgate.gateway.admission;

import io.tollgate.policy.window.TrailingWindow;
import java.util.Arrays;

/**
 * This gateway's own admissions for one quota scope ({@code key|model} or {@code key|*}) that a quota
 * view may not have counted yet, in a ring of {@link TrailingWindow} buckets covering the window plus
 * one bucket. Per bucket, the admissions whose REQUEST event Kafka has not acknowledged yet (by
 * sequence, with their tokens), and the acknowledged ones by usage offset, ascending, with their
 * tokens: a view that has counted partition {@code p} up to offset {@code o} lacks exactly the
 * unacknowledged ones and those acknowledged beyond {@code o} (all of them if they are on another
 * partition).
 *
 * <p>Every call asks this of the buckets in the window, so it must not walk them all: a view that keeps
 * up has counted all but the newest few whole. {@link #pending} gives the buckets (as bits of ring
 * indexes) that may still hold something a view lacks, forgetting each bucket once a view has counted
 * it whole, until a new admission lands in it or a view turns out to have counted less than before.
 * Per bucket, counts, token sums and the newest offset are kept in flat arrays, so a bucket is mostly
 * answered without touching its entries. Not thread-safe: guarded by the caller's per-key lock.
 */
final class ReservationLedger {

    private static final int SLOTS = (int) (TrailingWindow.WINDOW_MILLIS / TrailingWindow.BUCKET_MILLIS) + 2;

    static {
        if (SLOTS > Long.SIZE) {
            throw new ExceptionInInitializerError("a ledger of " + SLOTS + " buckets does not fit the 64-bit masks");
        }
    }

    private final long[] starts = new long[SLOTS];
    private final int[] partitions = new int[SLOTS];
    private final int[] unwrittenCount = new int[SLOTS];
    private final long[] unwrittenTokens = new long[SLOTS];
    private final int[] writtenCount = new int[SLOTS];
    private final long[] writtenTokens = new long[SLOTS];
    private final long[] newestOffset = new long[SLOTS];
    private final Entries[] unwritten = new Entries[SLOTS];
    private final Entries[] written = new Entries[SLOTS];
    /** Ring indexes holding a bucket. */
    private long live;
    /** Buckets that may hold what a view lacks: one watch for the view's own offset, one for the settled one. */
    private final Watch counted = new Watch();
    private final Watch settled = new Watch();

    ReservationLedger() {
        Arrays.fill(starts, Long.MIN_VALUE);
    }

    /** An admission at {@code atMillis}, not yet acknowledged by Kafka. */
    void add(long atMillis, long sequence, long tokens) {
        int i = claim(TrailingWindow.bucketOf(atMillis));
        if (i >= 0) {
            entries(unwritten, i).add(sequence, tokens);
            unwrittenCount[i]++;
            unwrittenTokens[i] += tokens;
            counted.mark(i);
            settled.mark(i);
        }
    }

    /**
     * Kafka acknowledged the REQUEST event of admission {@code sequence} at this partition and offset;
     * {@code partition < 0}: no event will be written for it (the call never reached a provider).
     */
    void written(long atMillis, long sequence, int partition, long offset) {
        int i = indexOf(TrailingWindow.bucketOf(atMillis));
        long tokens = i < 0 || unwrittenCount[i] == 0 ? -1 : unwritten[i].remove(sequence);
        if (tokens < 0) {
            return; // the bucket left the ring already
        }
        unwrittenCount[i]--;
        unwrittenTokens[i] -= tokens;
        if (partition < 0) {
            return; // nothing will be counted for it
        }
        if (writtenCount[i] > 0 && partitions[i] != partition) {
            partitions[i] = Integer.MAX_VALUE; // events of one key on two partitions: no offset comparison holds
        } else if (partitions[i] != Integer.MAX_VALUE) {
            partitions[i] = partition;
        }
        entries(written, i).insertSorted(offset, tokens);
        writtenCount[i]++;
        writtenTokens[i] += tokens;
        newestOffset[i] = Math.max(newestOffset[i], offset);
        counted.mark(i);
        settled.mark(i);
    }

    /**
     * The call used {@code actualTokens}: they replace the reservation while Kafka has not acknowledged its
     * event. Once it has, the view soon counts the REQUEST and then the RESPONSE's correction itself.
     */
    void settle(long atMillis, long sequence, long actualTokens) {
        int i = indexOf(TrailingWindow.bucketOf(atMillis));
        if (i >= 0 && unwrittenCount[i] > 0) {
            unwrittenTokens[i] += unwritten[i].replace(sequence, actualTokens);
        }
    }

    /**
     * The ring indexes, as bits, of the buckets that may hold admissions a view that has counted {@code partition}
     * up to {@code countedOffset} lacks; every other bucket lacks none ({@link #unseenRequests} would be 0).
     * {@code ofSettled}: for the share rule's settled offset rather than the view's own.
     */
    long pending(int partition, long countedOffset, boolean ofSettled) {
        return (ofSettled ? settled : counted).pending(partition, countedOffset);
    }

    /** Admissions of bucket {@code i} that a view counted up to {@code countedOffset} of {@code partition} lacks. */
    long unseenRequests(int i, int partition, long countedOffset) {
        int w = writtenCount[i];
        if (w == 0 || (partitions[i] == partition && newestOffset[i] <= countedOffset)) {
            return unwrittenCount[i];
        }
        return unwrittenCount[i] + (partitions[i] != partition ? w : w - written[i].firstAbove(countedOffset));
    }

    /** The tokens of {@link #unseenRequests}. */
    long unseenTokens(int i, int partition, long countedOffset) {
        if (writtenCount[i] == 0 || (partitions[i] == partition && newestOffset[i] <= countedOffset)) {
            return unwrittenTokens[i];
        }
        return unwrittenTokens[i] + (partitions[i] != partition ? writtenTokens[i]
                : written[i].sumFrom(written[i].firstAbove(countedOffset)));
    }

    /** The ring index of the bucket that starts at {@code start}, or -1. */
    int indexOf(long start) {
        int i = slot(start);
        return starts[i] == start ? i : -1;
    }

    /** The bucket start held at ring index {@code i} ({@link Long#MIN_VALUE} when empty). */
    long start(int i) {
        return starts[i];
    }

    static int slots() {
        return SLOTS;
    }

    /** The ring index for the bucket {@code start}, emptied if it held an older bucket; -1 if older than the ring. */
    private int claim(long start) {
        int i = slot(start);
        if (starts[i] != start) {
            if (starts[i] > start) {
                return -1; // older than the ring reaches: outside every window already
            }
            starts[i] = start;
            live |= 1L << i;
            partitions[i] = -1;
            unwrittenCount[i] = 0;
            unwrittenTokens[i] = 0;
            writtenCount[i] = 0;
            writtenTokens[i] = 0;
            newestOffset[i] = Long.MIN_VALUE;
            if (unwritten[i] != null) {
                unwritten[i].size = 0;
            }
            if (written[i] != null) {
                written[i].size = 0;
            }
        }
        return i;
    }

    /** True when a view counted up to {@code countedOffset} of {@code partition} lacks nothing of bucket {@code i}. */
    private boolean countedWhole(int i, int partition, long countedOffset) {
        return unwrittenCount[i] == 0
                && (writtenCount[i] == 0 || (partitions[i] == partition && newestOffset[i] <= countedOffset));
    }

    /**
     * The buckets that may hold what a view lacks, for views whose counted offset only grows: a bucket found
     * counted whole is dropped until something is added to it; an offset lower than the last one asked about, or
     * another partition, starts over from every bucket.
     */
    private final class Watch {
        private long mask;
        private int partition = Integer.MIN_VALUE;
        private long floor = Long.MIN_VALUE;

        void mark(int i) {
            mask |= 1L << i;
        }

        long pending(int viewPartition, long countedOffset) {
            if (viewPartition != partition || countedOffset < floor) {
                mask = live;
                partition = viewPartition;
            }
            floor = countedOffset;
            for (long m = mask; m != 0; m &= m - 1) {
                int i = Long.numberOfTrailingZeros(m);
                if (countedWhole(i, viewPartition, countedOffset)) {
                    mask &= ~(1L << i);
                }
            }
            return mask;
        }
    }

    private static Entries entries(Entries[] ring, int i) {
        if (ring[i] == null) {
            ring[i] = new Entries();
        }
        return ring[i];
    }

    private static int slot(long start) {
        return (int) Math.floorMod(Math.floorDiv(start, TrailingWindow.BUCKET_MILLIS), (long) SLOTS);
    }

    /** Pairs of a key (sequence or offset) and tokens, in arrays that are reused when the slot is. */
    private static final class Entries {
        long[] keys = new long[4];
        long[] tokens = new long[4];
        int size;

        void add(long key, long tokenCount) {
            grow();
            keys[size] = key;
            tokens[size] = tokenCount;
            size++;
        }

        /** Inserts by key; one sender acknowledges in order, so this is an append but for a replayed batch. */
        void insertSorted(long key, long tokenCount) {
            grow();
            int k = size++;
            while (k > 0 && keys[k - 1] > key) {
                keys[k] = keys[k - 1];
                tokens[k] = tokens[k - 1];
                k--;
            }
            keys[k] = key;
            tokens[k] = tokenCount;
        }

        /** Removes the entry of {@code key} and returns its tokens, or -1 when there is none. */
        long remove(long key) {
            int k = find(key);
            if (k < 0) {
                return -1;
            }
            long removed = tokens[k];
            size--;
            keys[k] = keys[size];
            tokens[k] = tokens[size];
            return removed;
        }

        /** Replaces the tokens of {@code key}'s entry; returns the change (0 when there is no such entry). */
        long replace(long key, long tokenCount) {
            int k = find(key);
            if (k < 0) {
                return 0;
            }
            long delta = tokenCount - tokens[k];
            tokens[k] = tokenCount;
            return delta;
        }

        /** Index of the first entry whose key (offset) is above {@code key}; entries are sorted. */
        int firstAbove(long key) {
            int k = Arrays.binarySearch(keys, 0, size, key);
            if (k < 0) {
                return -k - 1;
            }
            while (k + 1 < size && keys[k + 1] == key) {
                k++;
            }
            return k + 1;
        }

        long sumFrom(int from) {
            long sum = 0;
            for (int k = from; k < size; k++) {
                sum += tokens[k];
            }
            return sum;
        }

        private int find(long key) {
            // few admissions of a bucket wait for Kafka's acknowledgement at once: newest first
            for (int k = size - 1; k >= 0; k--) {
                if (keys[k] == key) {
                    return k;
                }
            }
            return -1;
        }

        private void grow() {
            if (size == keys.length) {
                keys = Arrays.copyOf(keys, size * 2);
                tokens = Arrays.copyOf(tokens, size * 2);
            }
        }
    }
}
