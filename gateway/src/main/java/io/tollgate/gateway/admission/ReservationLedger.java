package io.tollgate.gateway.admission;

import java.util.Arrays;

/**
 * This gateway's own admissions for one quota scope ({@code key|model} or {@code key|*}), in a
 * ring of buckets aligned with the quota view's buckets, covering the window plus one bucket.
 * Each bucket also remembers its latest admission, so admission can tell reservations the view
 * may not have seen yet (younger than the reflection bound). Not thread-safe: guarded by the
 * caller's per-key lock.
 */
final class ReservationLedger {

    private final int bucketMillis;
    private final int slots;
    private final long[] starts;
    private final long[] requests;
    private final long[] tokens;
    private final long[] lastAt;

    ReservationLedger(int bucketMillis, long windowMillis) {
        this.bucketMillis = bucketMillis;
        this.slots = (int) (windowMillis / bucketMillis) + 2;
        this.starts = new long[slots];
        this.requests = new long[slots];
        this.tokens = new long[slots];
        this.lastAt = new long[slots];
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
        }
        requests[i] += requestCount;
        tokens[i] += tokenCount;
        lastAt[i] = Math.max(lastAt[i], atMillis);
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
