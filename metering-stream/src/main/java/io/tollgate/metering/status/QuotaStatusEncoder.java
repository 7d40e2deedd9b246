package io.tollgate.metering.status;

import io.tollgate.metering.rates.Buckets;
import io.tollgate.schemas.avro.QuotaStatus;
import io.tollgate.schemas.avro.UsageBucket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.apache.avro.SchemaNormalization;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes a {@link QuotaStatus} in Confluent's wire format straight from the rate buckets' arrays, byte for
 * byte what the generic Avro serializer writes for the same record (a test compares them), without building
 * a {@code UsageBucket} per bucket and resolving each field through Avro's reflection-like writer. Quota
 * status is written twice per counted event, and the generic writer spends about half its time on that work.
 *
 * <p>The fields are written by hand, so the encoder refuses to start if {@code QuotaStatus.avsc} is no
 * longer the schema it was written for ({@link #SCHEMA_FINGERPRINT}). The schema id comes from the topic's
 * own serializer (one record serialized on first use), so registration and lookup are the serializer's own.
 * Not thread-safe: one instance per processor.
 */
public final class QuotaStatusEncoder {

    /** Parsing-form fingerprint of the QuotaStatus schema this encoder writes. */
    static final long SCHEMA_FINGERPRINT = 4_316_972_308_814_381_233L;

    private final Serializer<QuotaStatus> idSource;
    private byte[] header;
    private byte[] buffer = new byte[1024];
    private int length;

    /** @param serializer the topic's value serializer; asked once, for the schema id */
    public QuotaStatusEncoder(Serializer<QuotaStatus> serializer) {
        long actual = SchemaNormalization.parsingFingerprint64(QuotaStatus.getClassSchema());
        if (actual != SCHEMA_FINGERPRINT) {
            throw new IllegalStateException("QuotaStatus schema has fingerprint " + actual + "; QuotaStatusEncoder writes"
                    + " fingerprint " + SCHEMA_FINGERPRINT + ". QuotaStatus.avsc changed: update the encoder's fields"
                    + " and SCHEMA_FINGERPRINT together");
        }
        this.idSource = serializer;
    }

    /**
     * The record's bytes: buckets {@code from} (inclusive) to the end of {@code buckets}, and the other fields
     * as named by the schema.
     */
    public byte[] encode(String topic, String apiKeyId, String model, Buckets buckets, int from, String dayKey,
                         long dayStartMillis, long dayEndMillis, long dayRequests, long dayTokens, long lastEventTime,
                         long updatedAt, int usagePartition, long usageOffset) {
        if (header == null) {
            header = Arrays.copyOf(idSource.serialize(topic, sample()), 5);
        }
        length = 0;
        ensure(header.length);
        System.arraycopy(header, 0, buffer, 0, header.length);
        length = header.length;
        writeString(apiKeyId);
        writeString(model);
        writeLong(Buckets.BUCKET_MILLIS); // an Avro int is written like a long
        int count = buckets.size() - from;
        if (count > 0) {
            writeLong(count);
            for (int i = from; i < buckets.size(); i++) {
                writeLong(buckets.startMillis(i));
                writeLong(buckets.requests(i));
                writeLong(buckets.tokens(i));
            }
        }
        writeLong(0); // end of the array
        writeString(dayKey);
        writeLong(dayStartMillis);
        writeLong(dayEndMillis);
        writeLong(dayRequests);
        writeLong(dayTokens);
        writeLong(lastEventTime);
        writeLong(updatedAt);
        writeLong(usagePartition); // an Avro int is written like a long
        writeLong(usageOffset);
        return Arrays.copyOf(buffer, length);
    }

    private static QuotaStatus sample() {
        return QuotaStatus.newBuilder().setApiKeyId("").setModel("").setBuckets(List.<UsageBucket>of()).build();
    }

    private void writeString(String s) {
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        writeLong(utf8.length);
        ensure(utf8.length);
        System.arraycopy(utf8, 0, buffer, length, utf8.length);
        length += utf8.length;
    }

    /** Avro's zig-zag variable-length long. */
    private void writeLong(long value) {
        ensure(10);
        long n = (value << 1) ^ (value >> 63);
        while ((n & ~0x7FL) != 0) {
            buffer[length++] = (byte) ((n & 0x7F) | 0x80);
            n >>>= 7;
        }
        buffer[length++] = (byte) n;
    }

    private void ensure(int more) {
        if (length + more > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.max(buffer.length * 2, length + more));
        }
    }
}
