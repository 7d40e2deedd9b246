package io.tollgate.gateway.admission;

/**
 * When this gateway's view applied the usage offsets of one quota key: enough history to answer "which
 * offset had this view counted {@code skew} ms ago", which every other gateway's view has counted by now
 * if the views lag one another by less than {@code skew}. Entries closer together than an eighth of the
 * longest skew asked for are merged into the newer one, so the history stays a few entries long at any
 * event rate; merging only makes the answer older, never newer than the truth. Thread-safe.
 */
final class CountedOffsets {

    private static final int CAPACITY = 24;

    private final long[] at = new long[CAPACITY];
    private final long[] offsets = new long[CAPACITY];
    private int size;
    private long spacingMillis = 1;

    /** The view applied a status counting up to {@code offset} at {@code atMillis}. */
    synchronized void applied(long atMillis, long offset) {
        if (size > 0 && offset <= offsets[size - 1]) {
            return; // a replayed or older status: the view's count never goes back
        }
        if (size > 1 && atMillis - at[size - 2] < spacingMillis) {
            at[size - 1] = atMillis;
            offsets[size - 1] = offset;
            return;
        }
        if (size == CAPACITY) {
            System.arraycopy(at, 1, at, 0, CAPACITY - 1);
            System.arraycopy(offsets, 1, offsets, 0, CAPACITY - 1);
            size--;
        }
        at[size] = atMillis;
        offsets[size] = offset;
        size++;
    }

    /** The newest offset applied at or before {@code nowMillis - skewMillis}; -1 when none is that old. */
    synchronized long settled(long nowMillis, long skewMillis) {
        spacingMillis = Math.max(spacingMillis, skewMillis / 8);
        long cutoff = nowMillis - skewMillis;
        for (int i = size - 1; i >= 0; i--) {
            if (at[i] <= cutoff) {
                return offsets[i];
            }
        }
        return -1;
    }
}
