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
 * partition). Not thread-safe: guarded by the caller's per-key lock.
 */
final class ReservationLedger {

    private static final int SLOTS = (int) (TrailingWindow.WINDOW_MILLIS / TrailingWindow.BUCKET_MILLIS) + 2;

    private final long[] starts = new long[SLOTS];
    private final Entries[] unwritten = new Entries[SLOTS];
    private final Entries[] written = new Entries[SLOTS];
    private final int[] partitions = new int[SLOTS];

    ReservationLedger() {
        Arrays.fill(starts, Long.MIN_VALUE);
        for (int i = 0; i < SLOTS; i++) {
            unwritten[i] = new Entries();
            written[i] = new Entries();
        }
    }

    /** An admission at {@code atMillis}, not yet acknowledged by Kafka. */
    void add(long atMillis, long sequence, long tokens) {
        int i = claim(TrailingWindow.bucketOf(atMillis));
        if (i >= 0) {
            unwritten[i].add(sequence, tokens);
        }
    }

    /**
     * Kafka acknowledged the REQUEST event of admission {@code sequence} at this partition and offset;
     * {@code partition < 0}: no event will be written for it (the call never reached a provider).
     */
    void written(long atMillis, long sequence, int partition, long offset) {
        int i = indexOf(TrailingWindow.bucketOf(atMillis));
        long tokens = i < 0 ? -1 : unwritten[i].remove(sequence);
        if (tokens < 0 || partition < 0) {
            return; // the bucket left the ring, or nothing will be counted for it
        }
        if (partitions[i] >= 0 && partitions[i] != partition) {
            partitions[i] = Integer.MAX_VALUE; // events of one key on two partitions: no offset comparison holds
        } else if (partitions[i] != Integer.MAX_VALUE) {
            partitions[i] = partition;
        }
        written[i].insertSorted(offset, tokens);
    }

    /**
     * The call used {@code actualTokens}: they replace the reservation while Kafka has not acknowledged its
     * event. Once it has, the view soon counts the REQUEST and then the RESPONSE's correction itself.
     */
    void settle(long atMillis, long sequence, long actualTokens) {
        int i = indexOf(TrailingWindow.bucketOf(atMillis));
        if (i >= 0) {
            unwritten[i].replace(sequence, actualTokens);
        }
    }

    /** Admissions of bucket {@code i} that a view counted up to {@code countedOffset} of {@code partition} lacks. */
    long unseenRequests(int i, int partition, long countedOffset) {
        return unwritten[i].size + (written[i].size - firstUnseen(i, partition, countedOffset));
    }

    /** The tokens of {@link #unseenRequests}. */
    long unseenTokens(int i, int partition, long countedOffset) {
        return unwritten[i].sum() + written[i].sumFrom(firstUnseen(i, partition, countedOffset));
    }

    private int firstUnseen(int i, int partition, long countedOffset) {
        Entries w = written[i];
        if (w.size == 0 || partitions[i] != partition) {
            return 0;
        }
        int k = Arrays.binarySearch(w.keys, 0, w.size, countedOffset);
        if (k < 0) {
            return -k - 1;
        }
        while (k + 1 < w.size && w.keys[k + 1] == countedOffset) {
            k++;
        }
        return k + 1;
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
            unwritten[i].size = 0;
            written[i].size = 0;
            partitions[i] = -1;
        }
        return i;
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

        void replace(long key, long tokenCount) {
            int k = find(key);
            if (k >= 0) {
                tokens[k] = tokenCount;
            }
        }

        long sum() {
            return sumFrom(0);
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
