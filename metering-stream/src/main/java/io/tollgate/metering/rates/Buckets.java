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
 * at most one entry per second of the retained span. Held as one {@code long[]} of (start, requests, tokens)
 * triples rather than an object per bucket: the store reads and rewrites it on every event, so reading is one
 * bulk copy and an update one array. Immutable: nothing writes the array after construction.
 */
public final class Buckets {

    /** The width of a bucket: the policy module's one definition of the minute's buckets. */
    public static final int BUCKET_MILLIS = (int) TrailingWindow.BUCKET_MILLIS;
    public static final Buckets EMPTY = new Buckets(new long[0]);

    /** Requests and tokens in [startMillis, startMillis + 1 s). Tokens may be negative after a correction. */
    public record Bucket(long startMillis, long requests, long tokens) {
        boolean isEmpty() {
            return requests == 0 && tokens == 0;
        }
    }

    /** (start, requests, tokens) per bucket, oldest first; never written after construction. */
    private final long[] triples;

    private Buckets(long[] triples) {
        this.triples = triples;
    }

    public Buckets(List<Bucket> buckets) {
        this(flatten(buckets));
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
        return triples.length / 3;
    }

    public long startMillis(int i) {
        return triples[3 * i];
    }

    public long requests(int i) {
        return triples[3 * i + 1];
    }

    public long tokens(int i) {
        return triples[3 * i + 2];
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

    /**
     * Adds to the bucket holding {@code epochMillis} and drops buckets that start at or before {@code dropUpTo}
     * (an event in such a bucket is left out: it is already outside the retained window). Overflow-checked: an
     * addition that would overflow throws {@link ArithmeticException}, and this (immutable) value is unchanged.
     */
    public Buckets add(long epochMillis, long requests, long tokens, long dropUpTo) {
        long start = bucketStart(epochMillis);
        int n0 = triples.length;
        if (n0 > 0 && start >= triples[n0 - 3] && start > dropUpTo) {
            Buckets newest = addToNewest(start, requests, tokens, dropUpTo);
            if (newest != null) {
                return newest;
            }
        }
        long[] out = new long[triples.length + 3];
        int n = 0;
        boolean placed = requests == 0 && tokens == 0;
        for (int i = 0; i < triples.length; i += 3) {
            long s = triples[i];
            long r = triples[i + 1];
            long t = triples[i + 2];
            if (!placed && start < s) {
                n = put(out, n, start, requests, tokens, dropUpTo);
                placed = true;
            }
            if (!placed && start == s) {
                r = Math.addExact(r, requests);
                t = Math.addExact(t, tokens);
                placed = true;
            }
            n = put(out, n, s, r, t, dropUpTo);
        }
        if (!placed) {
            n = put(out, n, start, requests, tokens, dropUpTo);
        }
        return new Buckets(n == out.length ? out : Arrays.copyOf(out, n));
    }

    /**
     * The common case of {@link #add}, by bulk copies: an event in the newest bucket or after it. Null when the newest
     * bucket would become empty (the general path drops it).
     */
    private Buckets addToNewest(long start, long requests, long tokens, long dropUpTo) {
        int n = triples.length;
        int first = 0;
        while (first < n && triples[first] <= dropUpTo) {
            first += 3;
        }
        if (start == triples[n - 3]) {
            long r = Math.addExact(triples[n - 2], requests);
            long t = Math.addExact(triples[n - 1], tokens);
            if (r == 0 && t == 0) {
                return null;
            }
            long[] out = Arrays.copyOfRange(triples, first, n);
            out[out.length - 2] = r;
            out[out.length - 1] = t;
            return new Buckets(out);
        }
        if (requests == 0 && tokens == 0) {
            return first == 0 ? this : new Buckets(Arrays.copyOfRange(triples, first, n));
        }
        long[] out = Arrays.copyOfRange(triples, first, n + 3);
        out[n - first] = start;
        out[n - first + 1] = requests;
        out[n - first + 2] = tokens;
        return new Buckets(out);
    }

    /** Appends a bucket that is still retained and not empty; returns the new length. */
    private static int put(long[] out, int n, long start, long requests, long tokens, long dropUpTo) {
        if (start <= dropUpTo || (requests == 0 && tokens == 0)) {
            return n;
        }
        out[n] = start;
        out[n + 1] = requests;
        out[n + 2] = tokens;
        return n + 3;
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
        return o instanceof Buckets other && Arrays.equals(triples, other.triples);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(triples);
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
            ByteBuffer out = ByteBuffer.allocate(4 + value.triples.length * 8);
            out.putInt(value.size());
            out.asLongBuffer().put(value.triples);
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
            long[] triples = new long[3 * n];
            in.asLongBuffer().get(triples);
            return new Buckets(triples);
        });
    }
}
