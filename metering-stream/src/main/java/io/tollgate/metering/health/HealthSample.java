package io.tollgate.metering.health;

import io.tollgate.schemas.avro.CallStatus;
import io.tollgate.schemas.avro.ErrorKind;
import io.tollgate.schemas.avro.UsageEvent;
import java.nio.ByteBuffer;
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
