package io.tollgate.metering.health;

import io.tollgate.schemas.avro.CallStatus;
import io.tollgate.schemas.avro.ModelHealth;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import org.HdrHistogram.Histogram;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Health counters of one model in one 5-minute window, with successful calls' latencies in an
 * HdrHistogram (mergeable, stored in its compact V2 encoding; quantiles to 2 significant digits up to one hour).
 */
public final class HealthState {

    public static final long WINDOW_MILLIS = Duration.ofMinutes(5).toMillis();
    private static final long MAX_LATENCY_MS = Duration.ofHours(1).toMillis();
    private static final int COUNTERS = 10;

    private final String model;
    private final long windowStart;
    /** calls, successes, rateLimited, timeout, upstream5xx, badRequest, other, fallbacks, completionTokens, successLatencySum. */
    private final long[] counters;
    private final Histogram latency;

    private HealthState(String model, long windowStart, long[] counters, Histogram latency) {
        this.model = model;
        this.windowStart = windowStart;
        this.counters = counters;
        this.latency = latency;
    }

    public static long windowStart(long epochMillis) {
        return epochMillis - Math.floorMod(epochMillis, WINDOW_MILLIS);
    }

    public static HealthState empty(String model, long windowStart) {
        return new HealthState(model, windowStart, new long[COUNTERS], new Histogram(MAX_LATENCY_MS, 2));
    }

    public String model() {
        return model;
    }

    public long windowStart() {
        return windowStart;
    }

    /**
     * Counts one completed attempt (a RESPONSE event); mutates this state. Overflow-checked: when a counter would
     * overflow it throws {@link ArithmeticException} before changing anything.
     */
    public HealthState record(HealthSample e) {
        return recordAll(List.of(e));
    }

    /**
     * Counts completed attempts of this model and window; mutates this state. All or nothing: when a counter would
     * overflow it throws {@link ArithmeticException} before changing anything.
     */
    public HealthState recordAll(List<HealthSample> samples) {
        long[] next = countersAfter(samples);
        System.arraycopy(next, 0, counters, 0, COUNTERS);
        for (HealthSample e : samples) {
            if (e.status() == CallStatus.SUCCESS) {
                latency.recordValue(keptLatency(e));
            }
        }
        return this;
    }

    /**
     * A sample's latency as the window keeps it, in the histogram and in the sum alike: at most
     * an hour. Ingest believes any latency that is not negative, so one absurd figure must not
     * overflow the sum and take the rest of its batch with it.
     */
    private static long keptLatency(HealthSample e) {
        return Math.min(MAX_LATENCY_MS, Math.max(0, e.latencyMs()));
    }

    /** The counters after {@code samples}, this state unchanged; {@link ArithmeticException} on overflow. */
    public long[] countersAfter(List<HealthSample> samples) {
        long[] next = counters.clone();
        for (HealthSample e : samples) {
            next[0] = Math.addExact(next[0], 1);
            if (e.status() == CallStatus.SUCCESS) {
                next[1] = Math.addExact(next[1], 1);
                next[8] = Math.addExact(next[8], e.completionTokens());
                next[9] = Math.addExact(next[9], keptLatency(e));
            } else if (e.status() == CallStatus.ERROR) {
                int kind = switch (e.errorKind()) {
                    case RATE_LIMITED -> 2;
                    case TIMEOUT -> 3;
                    case UPSTREAM_5XX -> 4;
                    case BAD_REQUEST -> 5;
                    default -> 6;
                };
                next[kind] = Math.addExact(next[kind], 1);
            }
            if (e.fallback()) {
                next[7] = Math.addExact(next[7], 1);
            }
        }
        return next;
    }

    public ModelHealth toAvro(long updatedAt) {
        long latencySum = counters[9];
        return ModelHealth.newBuilder().setModel(model).setWindowStartMillis(windowStart)
                .setWindowEndMillis(windowStart + WINDOW_MILLIS).setCalls(counters[0]).setSuccesses(counters[1])
                .setErrorsRateLimited(counters[2]).setErrorsTimeout(counters[3]).setErrorsUpstream5xx(counters[4])
                .setErrorsBadRequest(counters[5]).setErrorsOther(counters[6]).setFallbacks(counters[7])
                .setCompletionTokens(counters[8])
                .setTokensPerSecond(latencySum == 0 ? 0.0 : counters[8] * 1000.0 / latencySum)
                .setLatencyP50Ms(quantile(50)).setLatencyP95Ms(quantile(95)).setLatencyP99Ms(quantile(99))
                .setUpdatedAt(updatedAt).build();
    }

    private long quantile(double percentile) {
        return latency.getTotalCount() == 0 ? 0 : latency.getValueAtPercentile(percentile);
    }

    /**
     * The histogram's encoding needs a buffer of its worst-case size (~17 KB here), of which it writes a few
     * hundred bytes; allocating (and zeroing) that on every sample showed in profiles, so each thread reuses one.
     */
    private static final ThreadLocal<ByteBuffer> ENCODE_BUFFER = new ThreadLocal<>();

    private static ByteBuffer encodeBuffer(int capacity) {
        ByteBuffer buffer = ENCODE_BUFFER.get();
        if (buffer == null || buffer.capacity() < capacity) {
            buffer = ByteBuffer.allocate(capacity);
            ENCODE_BUFFER.set(buffer);
        }
        buffer.clear();
        return buffer;
    }

    public static Serde<HealthState> serde() {
        return Serdes.serdeFrom((topic, v) -> {
            if (v == null) {
                return null;
            }
            byte[] model = v.model.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            // HdrHistogram's V2 encoding (LEB128 counts, zero runs) is already compact; deflating it on every
            // store write cost more CPU than the rest of the health step (profiled)
            ByteBuffer histogram = encodeBuffer(v.latency.getNeededByteBufferCapacity());
            int length = v.latency.encodeIntoByteBuffer(histogram);
            ByteBuffer out = ByteBuffer.allocate(4 + model.length + 8 + COUNTERS * 8 + 4 + length);
            out.putInt(model.length).put(model).putLong(v.windowStart);
            for (long c : v.counters) {
                out.putLong(c);
            }
            out.putInt(length).put(histogram.array(), 0, length);
            return out.array();
        }, (topic, data) -> {
            if (data == null) {
                return null;
            }
            ByteBuffer in = ByteBuffer.wrap(data);
            byte[] model = new byte[in.getInt()];
            in.get(model);
            long start = in.getLong();
            long[] counters = new long[COUNTERS];
            for (int i = 0; i < COUNTERS; i++) {
                counters[i] = in.getLong();
            }
            byte[] encoded = new byte[in.getInt()];
            in.get(encoded);
            try {
                // a fresh buffer: HdrHistogram reads the backing array without honouring a slice's offset
                Histogram h = Histogram.decodeFromByteBuffer(ByteBuffer.wrap(encoded), MAX_LATENCY_MS);
                return new HealthState(new String(model, java.nio.charset.StandardCharsets.UTF_8), start, counters, h);
            } catch (RuntimeException e) {
                throw new org.apache.kafka.common.errors.SerializationException("corrupt latency histogram of model "
                        + new String(model, java.nio.charset.StandardCharsets.UTF_8), e);
            }
        });
    }
}
