package io.tollgate.metering.rates;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The non-empty 1-second buckets of one (key, model) or (key, *), oldest first. Small by construction:
 * at most one entry per second of the retained span.
 */
public record Buckets(List<Bucket> buckets) {

    public static final int BUCKET_MILLIS = 1000;
    public static final Buckets EMPTY = new Buckets(List.of());

    /** Requests and tokens in [startMillis, startMillis + 1 s). Tokens may be negative after a correction. */
    public record Bucket(long startMillis, long requests, long tokens) {
        boolean isEmpty() {
            return requests == 0 && tokens == 0;
        }
    }

    public Buckets {
        buckets = List.copyOf(buckets);
    }

    public static long bucketStart(long epochMillis) {
        return epochMillis - Math.floorMod(epochMillis, BUCKET_MILLIS);
    }

    /** Adds to the bucket holding {@code epochMillis} and drops buckets that start at or before {@code dropUpTo}. */
    public Buckets add(long epochMillis, long requests, long tokens, long dropUpTo) {
        long start = bucketStart(epochMillis);
        List<Bucket> out = new ArrayList<>(buckets.size() + 1);
        boolean placed = requests == 0 && tokens == 0;
        for (Bucket b : buckets) {
            if (!placed && start < b.startMillis()) {
                out.add(new Bucket(start, requests, tokens));
                placed = true;
            }
            if (!placed && start == b.startMillis()) {
                b = new Bucket(start, b.requests() + requests, b.tokens() + tokens);
                placed = true;
            }
            if (b.startMillis() > dropUpTo && !b.isEmpty()) {
                out.add(b);
            }
        }
        if (!placed && start > dropUpTo) {
            out.add(new Bucket(start, requests, tokens));
        }
        return new Buckets(out);
    }

    /** Buckets starting after {@code afterMillis}, oldest first. */
    public List<Bucket> after(long afterMillis) {
        return buckets.stream().filter(b -> b.startMillis() > afterMillis).toList();
    }

    public static Serde<Buckets> serde() {
        return Serdes.serdeFrom((topic, value) -> {
            if (value == null) {
                return null;
            }
            ByteBuffer out = ByteBuffer.allocate(4 + value.buckets.size() * 24);
            out.putInt(value.buckets.size());
            for (Bucket b : value.buckets) {
                out.putLong(b.startMillis()).putLong(b.requests()).putLong(b.tokens());
            }
            return out.array();
        }, (topic, data) -> {
            if (data == null) {
                return null;
            }
            ByteBuffer in = ByteBuffer.wrap(data);
            int n = in.getInt();
            List<Bucket> list = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                list.add(new Bucket(in.getLong(), in.getLong(), in.getLong()));
            }
            return new Buckets(list);
        });
    }
}
