package io.tollgate.gateway.admission;

import java.util.Arrays;

/**
 * This gateway's own admissions for one quota scope ({@code key|model} or {@code key|*}), in a
 * ring of buckets aligned with the quota view's buckets, covering the window plus one bucket.
 * Each bucket also remembers what admission needs to tell reservations the view may not have
 * seen yet: its latest admission (against the reflection bound), and per admission whether Kafka
 * has acknowledged its usage event and at which offset (against the view's {@code usageOffset}).
 * Not thread-safe: guarded by the caller's per-key lock.
 */
final class ReservationLedger {

    private final int bucketMillis;
    private final int slots;
    private final long[] starts;
    private final long[] requests;
    private final long[] tokens;
    private final long[] lastAt;
    private final int[] unwritten;
    private final long[] unwrittenTokens;
    private final int[] partitions;
    /** Per slot: the acknowledged offsets of its admissions, ascending, and each one's reserved tokens. */
    private final long[][] offsets;
    private final long[][] offsetTokens;
    private final int[] written;

    ReservationLedger(int bucketMillis, long windowMillis) {
        this.bucketMillis = bucketMillis;
        this.slots = (int) (windowMillis / bucketMillis) + 2;
        this.starts = new long[slots];
        this.requests = new long[slots];
        this.tokens = new long[slots];
        this.lastAt = new long[slots];
        this.unwritten = new int[slots];
        this.unwrittenTokens = new long[slots];
        this.partitions = new int[slots];
        this.offsets = new long[slots][];
        this.offsetTokens = new long[slots][];
        this.written = new int[slots];
        Arrays.fill(starts, Long.MIN_VALUE);
    }

    void add(long atMillis, long requestCount, long tokenCount) {
        long start = Math.floorDiv(atMillis, bucketMillis) * (long) bucketMillis;
        int i = slot(start);
        if (starts[i] != start) {
            if (starts[i] > start) {
                return; // older than the ring reaches: outside every window already
            }
            starts[i] = start;
            requests[i] = 0;
            tokens[i] = 0;
            lastAt[i] = Long.MIN_VALUE;
            unwritten[i] = 0;
            unwrittenTokens[i] = 0;
            partitions[i] = -1;
            written[i] = 0;
        }
        requests[i] += requestCount;
        tokens[i] += tokenCount;
        lastAt[i] = Math.max(lastAt[i], atMillis);
        unwritten[i] += (int) requestCount;
        unwrittenTokens[i] += tokenCount;
    }

    /**
     * Kafka acknowledged the usage event of the admission made at {@code atMillis} at this partition and
     * offset; {@code partition < 0}: no event will be written for it (the call never reached a provider).
     */
    void written(long atMillis, long tokenCount, int partition, long offset) {
        long start = Math.floorDiv(atMillis, bucketMillis) * (long) bucketMillis;
        int i = slot(start);
        if (starts[i] != start || unwritten[i] == 0) {
            return; // the bucket left the ring already
        }
        unwritten[i]--;
        unwrittenTokens[i] = Math.max(0, unwrittenTokens[i] - tokenCount);
        if (partition < 0) {
            return;
        }
        if (partitions[i] >= 0 && partitions[i] != partition) {
            partitions[i] = Integer.MAX_VALUE; // events of one key on two partitions: no offset comparison holds
        } else if (partitions[i] != Integer.MAX_VALUE) {
            partitions[i] = partition;
        }
        if (offsets[i] == null || written[i] == offsets[i].length) {
            int size = offsets[i] == null ? 8 : offsets[i].length * 2;
            offsets[i] = offsets[i] == null ? new long[size] : Arrays.copyOf(offsets[i], size);
            offsetTokens[i] = offsetTokens[i] == null ? new long[size] : Arrays.copyOf(offsetTokens[i], size);
        }
        // one sender acknowledges in order, so this is an append; the loop only runs for a replayed batch
        int k = written[i]++;
        while (k > 0 && offsets[i][k - 1] > offset) {
            offsets[i][k] = offsets[i][k - 1];
            offsetTokens[i][k] = offsetTokens[i][k - 1];
            k--;
        }
        offsets[i][k] = offset;
        offsetTokens[i][k] = tokenCount;
    }

    /**
     * The bucket's admissions a view that has counted {@code partition} up to {@code countedOffset} does not
     * include: those not yet acknowledged, and those acknowledged beyond that offset (all acknowledged ones
     * when they are on another partition).
     */
    long unseenRequests(int i, int partition, long countedOffset) {
        return unwritten[i] + (written[i] - firstUnseen(i, partition, countedOffset));
    }

    /** The reserved tokens of {@link #unseenRequests}. */
    long unseenTokens(int i, int partition, long countedOffset) {
        long sum = unwrittenTokens[i];
        for (int k = firstUnseen(i, partition, countedOffset); k < written[i]; k++) {
            sum += offsetTokens[i][k];
        }
        return sum;
    }

    private int firstUnseen(int i, int partition, long countedOffset) {
        if (written[i] == 0 || partitions[i] != partition) {
            return 0;
        }
        int k = Arrays.binarySearch(offsets[i], 0, written[i], countedOffset);
        if (k < 0) {
            return -k - 1;
        }
        while (k + 1 < written[i] && offsets[i][k + 1] == countedOffset) {
            k++;
        }
        return k + 1;
    }

    /** Corrects the tokens of the bucket {@code atMillis} fell in, if the ring still holds it. */
    void adjustTokens(long atMillis, long delta) {
        long start = Math.floorDiv(atMillis, bucketMillis) * (long) bucketMillis;
        int i = slot(start);
        if (starts[i] == start) {
            tokens[i] = Math.max(0, tokens[i] + delta);
        }
    }

    /** The ring index holding the bucket that starts at {@code start}, or -1. */
    int indexOf(long start) {
        int i = slot(start);
        return starts[i] == start ? i : -1;
    }

    int slots() {
        return slots;
    }

    long start(int i) {
        return starts[i];
    }

    long requests(int i) {
        return requests[i];
    }

    long tokens(int i) {
        return tokens[i];
    }

    long lastAt(int i) {
        return lastAt[i];
    }


    private int slot(long start) {
        return (int) Math.floorMod(start / bucketMillis, (long) slots);
    }
}
