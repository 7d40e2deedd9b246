package io.tollgate.metering.rates;

import io.tollgate.policy.window.TrailingWindow;
import java.nio.ByteBuffer;
import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The non-empty 1-second buckets of one (key, model) or (key, *), oldest first. Small by construction:
 * at most one entry per second of the retained span. Held as (start, requests, tokens) triples in one
 * {@code long[]}, between a first and an end index, rather than an object per bucket.
 *
 * <p>Recorded into in place ({@link #record}): the rates step adds every event to the buckets of two keys, and
 * copying a minute of buckets (up to ~3 KB) twice per event was most of its cost; an event in the newest bucket
 * changes two longs, a new bucket appends one triple, and buckets leaving the retained span move the first index.
 * So a value is only changed by the processor that owns its store (which puts it back, so the store writes it at
 * the commit); other threads read the store's committed copy. {@link #add} is the copying form, and {@link #EMPTY}
 * cannot be recorded into. Not thread-safe.
 */
public final class Buckets {

    /** The width of a bucket: the policy module's one definition of the minute's buckets. */
    public static final int BUCKET_MILLIS = (int) TrailingWindow.BUCKET_MILLIS;
    /** No buckets; shared, so never recorded into. */
    public static final Buckets EMPTY = new Buckets(new long[0], 0, 0, true);

    /** Requests and tokens in [startMillis, startMillis + 1 s). Tokens may be negative after a correction. */
    public record Bucket(long startMillis, long requests, long tokens) {
        boolean isEmpty() {
            return requests == 0 && tokens == 0;
        }
    }

    /** (start, requests, tokens) per bucket, oldest first, from {@code first} (inclusive) to {@code end}. */
    private long[] triples;
    private int first;
    private int end;
    private final boolean shared;

    private Buckets(long[] triples, int first, int end, boolean shared) {
        this.triples = triples;
        this.first = first;
        this.end = end;
        this.shared = shared;
    }

    /** No buckets yet, to record into. */
    public Buckets() {
        this(new long[3 * 8], 0, 0, false);
    }

    public Buckets(List<Bucket> buckets) {
        this(flatten(buckets), 0, buckets.size() * 3, false);
    }

    private static long[] flatten(List<Bucket> buckets) {
        long[] out = new long[buckets.size() * 3];
        for (int i = 0; i < buckets.size(); i++) {
            Bucket b = buckets.get(i);
            out[3 * i] = b.startMillis();
            out[3 * i + 1] = b.requests();
            out[3 * i + 2] = b.tokens();
        }
        return out;
    }

    public static long bucketStart(long epochMillis) {
        return TrailingWindow.bucketOf(epochMillis);
    }

    public int size() {
        return (end - first) / 3;
    }

    public long startMillis(int i) {
        return triples[first + 3 * i];
    }

    public long requests(int i) {
        return triples[first + 3 * i + 1];
    }

    public long tokens(int i) {
        return triples[first + 3 * i + 2];
    }

    /** The buckets, oldest first, as a read-only view. */
    public List<Bucket> buckets() {
        return new AbstractList<>() {
            @Override
            public Bucket get(int i) {
                return new Bucket(startMillis(i), requests(i), tokens(i));
            }

            @Override
            public int size() {
                return Buckets.this.size();
            }
        };
    }

    /** A copy that records independently of this value. */
    public Buckets copy() {
        return new Buckets(Arrays.copyOfRange(triples, first, end + 3 * 8), 0, end - first, false);
    }

    /**
     * This value's buckets plus an event, as a new value ({@link #record} on a copy); this one is unchanged, also
     * when the addition would overflow ({@link ArithmeticException}).
     */
    public Buckets add(long epochMillis, long requests, long tokens, long dropUpTo) {
        Buckets next = copy();
        next.record(epochMillis, requests, tokens, dropUpTo);
        return next;
    }

    /**
     * Throws {@link ArithmeticException} when recording this event would overflow its bucket; changes nothing. A
     * caller recording one event into several values checks them all first, so an overflow changes none.
     */
    public void checkRecord(long epochMillis, long requests, long tokens) {
        int i = indexOf(bucketStart(epochMillis));
        if (i >= 0) {
            Math.addExact(triples[i + 1], requests);
            Math.addExact(triples[i + 2], tokens);
        }
    }

    /**
     * Adds an event to the bucket holding {@code epochMillis} and drops buckets that start at or before
     * {@code dropUpTo} (an event in such a bucket is left out: it is already outside the retained window); a bucket
     * that sums to nothing is removed. Overflow-checked before anything changes: an addition that would overflow
     * throws {@link ArithmeticException} and leaves this value as it was.
     */
    public void record(long epochMillis, long requests, long tokens, long dropUpTo) {
        if (shared) {
            throw new IllegalStateException(
                    "Buckets.EMPTY is shared and never recorded into; record into new Buckets()");
        }
        long start = bucketStart(epochMillis);
        checkRecord(epochMillis, requests, tokens);
        while (first < end && triples[first] <= dropUpTo) {
            first += 3;
        }
        if (start <= dropUpTo || (requests == 0 && tokens == 0)) {
            return;
        }
        int i = indexOf(start);
        if (i >= 0) {
            triples[i + 1] += requests;
            triples[i + 2] += tokens;
            if (triples[i + 1] == 0 && triples[i + 2] == 0) {
                System.arraycopy(triples, i + 3, triples, i, end - i - 3);
                end -= 3;
            }
            return;
        }
        // a new bucket: after the newest (nearly always), else in its place among the older ones
        makeRoom();
        int at = end;
        while (at > first && triples[at - 3] > start) {
            at -= 3;
        }
        System.arraycopy(triples, at, triples, at + 3, end - at);
        triples[at] = start;
        triples[at + 1] = requests;
        triples[at + 2] = tokens;
        end += 3;
    }

    /** Index of the triple starting at {@code start}, or -1; searched from the newest. */
    private int indexOf(long start) {
        for (int i = end - 3; i >= first; i -= 3) {
            if (triples[i] == start) {
                return i;
            }
            if (triples[i] < start) {
                return -1;
            }
        }
        return -1;
    }

    /** Room for one more triple at the end: moves the buckets to the front or grows the array. */
    private void makeRoom() {
        if (end + 3 <= triples.length) {
            return;
        }
        int used = end - first;
        long[] target = used + 3 <= triples.length / 2 ? triples : new long[Math.max(24, triples.length * 2)];
        System.arraycopy(triples, first, target, 0, used);
        triples = target;
        first = 0;
        end = used;
    }

    /** Index of the first bucket starting after {@code afterMillis} ({@link #size()} if none). */
    public int firstAfter(long afterMillis) {
        int i = 0;
        while (i < size() && startMillis(i) <= afterMillis) {
            i++;
        }
        return i;
    }

    /** Buckets starting after {@code afterMillis}, oldest first. */
    public List<Bucket> after(long afterMillis) {
        return buckets().subList(firstAfter(afterMillis), size());
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Buckets other && Arrays.equals(triples, first, end, other.triples, other.first, other.end);
    }

    @Override
    public int hashCode() {
        int h = 1;
        for (int i = first; i < end; i++) {
            h = 31 * h + Long.hashCode(triples[i]);
        }
        return h;
    }

    @Override
    public String toString() {
        return "Buckets" + buckets();
    }

    /** A count, then (start, requests, tokens) per bucket as big-endian longs: the encoding the store always had. */
    public static Serde<Buckets> serde() {
        return Serdes.serdeFrom((topic, value) -> {
            if (value == null) {
                return null;
            }
            ByteBuffer out = ByteBuffer.allocate(4 + (value.end - value.first) * 8);
            out.putInt(value.size());
            out.asLongBuffer().put(value.triples, value.first, value.end - value.first);
            return out.array();
        }, (topic, data) -> {
            if (data == null) {
                return null;
            }
            ByteBuffer in = ByteBuffer.wrap(data);
            int n = in.getInt();
            if (n < 0 || data.length != 4 + n * 24L) {
                throw new SerializationException("rate buckets of " + data.length + " bytes announce " + n
                        + " buckets; expected 4 + 24 bytes per bucket");
            }
            // room for the buckets of the next seconds, so recording into the value rarely grows it
            long[] triples = new long[3 * n + 3 * 8];
            in.asLongBuffer().get(triples, 0, 3 * n);
            return new Buckets(triples, 0, 3 * n, false);
        });
    }
}
