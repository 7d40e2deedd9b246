package io.tollgate.gateway.events;

import io.tollgate.schemas.avro.UsageEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A usage event is encoded once, on the request path, in Avro's single-object encoding (a 10-byte
 * header naming the schema by fingerprint, then the Avro binary) and spooled so; the sender turns
 * it into the Kafka record value (Confluent's wire format: magic byte, 4-byte schema id, the same
 * Avro binary) by swapping the header, without decoding it. The schema id is learnt from the
 * serializer (and so the registry) on the first event; an event spooled under another schema than
 * this build's is decoded and encoded again, as the serializer decides.
 */
public final class UsageWire {

    private static final int SINGLE_OBJECT_HEADER = 10;
    private static final int WIRE_HEADER = 5;
    private static final byte[] FINGERPRINT = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
            .putLong(SchemaNormalization.parsingFingerprint64(UsageEvent.getClassSchema())).array();

    /** Stateless once built, so shared by every thread. */
    private static final DatumWriter<UsageEvent> WRITER = new SpecificDatumWriter<>(UsageEvent.class);

    private final String topic;
    private final Serializer<UsageEvent> serializer;
    /** The registry's id of this build's UsageEvent schema; -1 until the serializer gave it. */
    private int schemaId = -1;

    public UsageWire(String topic, Serializer<UsageEvent> serializer) {
        this.topic = topic;
        this.serializer = serializer;
    }

    /**
     * The spooled form of {@code event}, written once on the request path: the bytes of
     * {@code event.toByteBuffer()}, encoded here without the per-thread buffers that encoder keeps (every call
     * runs on a virtual thread of its own, so they would be allocated afresh for each event).
     */
    public static byte[] spooled(UsageEvent event) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        out.write(0xC3);
        out.write(0x01);
        out.writeBytes(FINGERPRINT);
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        try {
            WRITER.write(event, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode usage event " + event.getEventId(), e);
        }
        return out.toByteArray();
    }

    /** A spooled event as sent: its id (to tell who waits for it) and the Kafka record value. */
    public record Sendable(String eventId, byte[] value) {
    }

    /** Not thread-safe: the one sender thread calls it. */
    public Sendable sendable(byte[] spooled) {
        boolean current = ofThisSchema(spooled);
        if (current && schemaId >= 0) {
            byte[] value = new byte[WIRE_HEADER + spooled.length - SINGLE_OBJECT_HEADER];
            value[0] = 0; // Confluent's magic byte
            value[1] = (byte) (schemaId >>> 24);
            value[2] = (byte) (schemaId >>> 16);
            value[3] = (byte) (schemaId >>> 8);
            value[4] = (byte) schemaId;
            System.arraycopy(spooled, SINGLE_OBJECT_HEADER, value, WIRE_HEADER, spooled.length - SINGLE_OBJECT_HEADER);
            return new Sendable(eventId(spooled), value);
        }
        UsageEvent event = decode(spooled);
        byte[] value = serializer.serialize(topic, event);
        if (current && value.length >= WIRE_HEADER && value[0] == 0) {
            schemaId = ByteBuffer.wrap(value, 1, 4).getInt();
        }
        return new Sendable(event.getEventId(), value);
    }

    private static boolean ofThisSchema(byte[] spooled) {
        if (spooled.length < SINGLE_OBJECT_HEADER || spooled[0] != (byte) 0xC3 || spooled[1] != 0x01) {
            return false;
        }
        for (int i = 0; i < FINGERPRINT.length; i++) {
            if (spooled[2 + i] != FINGERPRINT[i]) {
                return false;
            }
        }
        return true;
    }

    /** The first field of a UsageEvent, {@code eventId}: an Avro string (zig-zag varint length, UTF-8). */
    private static String eventId(byte[] spooled) {
        int pos = SINGLE_OBJECT_HEADER;
        long raw = 0;
        int shift = 0;
        byte b;
        do {
            b = spooled[pos++];
            raw |= (long) (b & 0x7f) << shift;
            shift += 7;
        } while (b < 0 && shift < 64);
        long length = (raw >>> 1) ^ -(raw & 1);
        if (length < 0 || length > spooled.length - pos) {
            return decode(spooled).getEventId(); // not what this build writes: let Avro say what is wrong
        }
        return new String(spooled, pos, (int) length, StandardCharsets.UTF_8);
    }

    private static UsageEvent decode(byte[] spooled) {
        try {
            return UsageEvent.fromByteBuffer(ByteBuffer.wrap(spooled));
        } catch (IOException e) {
            throw new UncheckedIOException("a spooled usage event cannot be read: " + e.getMessage(), e);
        }
    }
}
