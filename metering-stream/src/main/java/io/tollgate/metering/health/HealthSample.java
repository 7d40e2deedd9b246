package io.tollgate.metering.health;

import io.tollgate.schemas.avro.CallStatus;
import io.tollgate.schemas.avro.ErrorKind;
import io.tollgate.schemas.avro.UsageEvent;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.kafka.common.errors.SerializationException;

/**
 * The part of a RESPONSE that model health needs. Samples of one model travel in batches (the value of the health
 * repartition topic, keyed by model): a format byte, then 27 bytes per sample.
 */
public record HealthSample(long eventTime, CallStatus status, ErrorKind errorKind, boolean fallback,
                           long completionTokens, long latencyMs) {

    private static final byte BATCH_FORMAT = 1;
    private static final int SIZE = 27;

    public static HealthSample of(UsageEvent e) {
        return new HealthSample(e.getTimestamp().toEpochMilli(), e.getStatus(), e.getErrorKind(), e.getFallback(),
                e.getCompletionTokens(), e.getLatencyMs());
    }

    /** {@code batch} (encoded, null for none) with this sample appended. */
    public byte[] appendTo(byte[] batch) {
        byte[] out = batch == null ? new byte[1 + SIZE] : Arrays.copyOf(batch, batch.length + SIZE);
        out[0] = BATCH_FORMAT;
        ByteBuffer.wrap(out, out.length - SIZE, SIZE).putLong(eventTime).put((byte) status.ordinal())
                .put((byte) errorKind.ordinal()).put((byte) (fallback ? 1 : 0)).putLong(completionTokens)
                .putLong(latencyMs);
        return out;
    }

    /**
     * A batch being filled, of at most {@code capacity} samples: each RESPONSE is written straight into one buffer
     * sized once, the same bytes {@link #appendTo} chains give, without a copy of the batch or a sample per event.
     */
    public static final class Batch {
        private final byte[] buffer;
        private int count;
        private long newest = Long.MIN_VALUE;

        public Batch(int capacity) {
            buffer = new byte[1 + capacity * SIZE];
            buffer[0] = BATCH_FORMAT;
        }

        /** Adds the RESPONSE's sample; returns whether the batch is now full. */
        public boolean add(UsageEvent e) {
            if (isFull()) {
                throw new IllegalStateException("a health batch of " + count + " samples is full");
            }
            long eventTime = e.getTimestamp().toEpochMilli();
            int at = 1 + count * SIZE;
            LONGS.set(buffer, at, eventTime);
            buffer[at + 8] = (byte) e.getStatus().ordinal();
            buffer[at + 9] = (byte) e.getErrorKind().ordinal();
            buffer[at + 10] = (byte) (e.getFallback() ? 1 : 0);
            LONGS.set(buffer, at + 11, e.getCompletionTokens());
            LONGS.set(buffer, at + 19, e.getLatencyMs());
            count++;
            newest = Math.max(newest, eventTime);
            return isFull();
        }

        public boolean isFull() {
            return 1 + count * SIZE == buffer.length;
        }

        /** The latest event time among the samples. */
        public long newest() {
            return newest;
        }

        /** The batch in its encoded form (the repartition record's value). */
        public byte[] bytes() {
            return Arrays.copyOf(buffer, 1 + count * SIZE);
        }
    }

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    /** How many samples an encoded batch holds. */
    public static int count(byte[] batch) {
        return batch == null ? 0 : (batch.length - 1) / SIZE;
    }

    /** The samples of an encoded batch, in the order appended. */
    public static List<HealthSample> readBatch(byte[] batch) {
        if (batch.length == 0 || batch[0] != BATCH_FORMAT || (batch.length - 1) % SIZE != 0) {
            throw new SerializationException("a health sample batch of " + batch.length + " bytes, format "
                    + (batch.length == 0 ? "none" : batch[0]) + "; expected format " + BATCH_FORMAT + " and 1 + "
                    + SIZE + " bytes per sample");
        }
        ByteBuffer in = ByteBuffer.wrap(batch, 1, batch.length - 1);
        List<HealthSample> samples = new ArrayList<>(count(batch));
        while (in.hasRemaining()) {
            samples.add(new HealthSample(in.getLong(), CallStatus.values()[in.get()], ErrorKind.values()[in.get()],
                    in.get() == 1, in.getLong(), in.getLong()));
        }
        return samples;
    }
}
