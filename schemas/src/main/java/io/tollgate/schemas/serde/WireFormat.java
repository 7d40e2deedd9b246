package io.tollgate.schemas.serde;

import java.nio.ByteBuffer;
import org.apache.kafka.common.errors.SerializationException;

/** Confluent's framing: one magic byte (0), the schema id as a 4-byte big-endian int, then the payload. */
public final class WireFormat {

    public static final byte MAGIC_BYTE = 0;
    public static final int HEADER_SIZE = 5;

    private WireFormat() {
    }

    /** Reads and checks the header, returning the schema id; the buffer is left at the payload. */
    public static int readHeader(String topic, ByteBuffer buffer) {
        if (buffer.remaining() < HEADER_SIZE) {
            throw new SerializationException("record on topic '" + topic + "' has " + buffer.remaining()
                    + " bytes; a Confluent-framed Avro record has at least " + HEADER_SIZE
                    + " (magic byte 0 + 4-byte schema id)");
        }
        byte magic = buffer.get();
        if (magic != MAGIC_BYTE) {
            throw new SerializationException("record on topic '" + topic + "' starts with byte 0x"
                    + String.format("%02x", magic & 0xff) + "; expected magic byte 0x00 of the Confluent wire format"
                    + " (was it written by a non-Avro or non-Confluent serializer?)");
        }
        return buffer.getInt();
    }
}
