package io.tollgate.schemas.serde;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * Reads Avro binary primitives straight from a byte array, for the hand-written readers of
 * {@link ExactSchemaReader}. Stricter than Avro's {@code BinaryDecoder}: a varint that overflows its type, a
 * boolean byte other than 0 or 1, a union branch or enum index out of range and a length that is negative
 * or runs past the end are all {@link MalformedAvroException}s naming the payload offset.
 */
final class BinaryCursor {

    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final byte[] data;
    private final int start;
    private final int end;
    private int pos;

    BinaryCursor(byte[] data, int offset, int length) {
        this.data = data;
        this.start = offset;
        this.end = offset + length;
        this.pos = offset;
    }

    int readInt() {
        int at = pos;
        if (at < end && data[at] >= 0) {
            pos = at + 1;
            int n = data[at];
            return (n >>> 1) ^ -(n & 1);
        }
        int n = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            int b = next("int", at);
            n |= (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                if (shift == 28 && (b & 0x70) != 0) {
                    throw malformed("int varint overflows 32 bits", at);
                }
                return (n >>> 1) ^ -(n & 1);
            }
        }
        throw malformed("int varint longer than 5 bytes", at);
    }

    long readLong() {
        int at = pos;
        if (at < end && data[at] >= 0) {
            pos = at + 1;
            long n = data[at];
            return (n >>> 1) ^ -(n & 1);
        }
        long n = 0;
        for (int shift = 0; shift < 70; shift += 7) {
            int b = next("long", at);
            n |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                if (shift == 63 && (b & 0x7e) != 0) {
                    throw malformed("long varint overflows 64 bits", at);
                }
                return (n >>> 1) ^ -(n & 1);
            }
        }
        throw malformed("long varint longer than 10 bytes", at);
    }

    boolean readBoolean() {
        int at = pos;
        int b = next("boolean", at);
        if (b == 0) {
            return false;
        }
        if (b == 1) {
            return true;
        }
        throw malformed("boolean byte is " + b + "; expected 0 or 1", at);
    }

    double readDouble() {
        int at = pos;
        if (end - at < Double.BYTES) {
            throw malformed("truncated double: " + (end - at) + " of 8 bytes left", at);
        }
        pos = at + Double.BYTES;
        return Double.longBitsToDouble((long) LONG_LE.get(data, at));
    }

    /** An enum symbol's or union branch's index, checked against the number there are. */
    int readIndex(String what, int count) {
        int at = pos;
        int index = readInt();
        if (index < 0 || index >= count) {
            throw malformed(what + " index " + index + " out of range 0.." + (count - 1), at);
        }
        return index;
    }

    /** The branch of a {@code ["null", T]} union: false for null, true for T. */
    boolean readNullableBranch() {
        return readIndex("union branch", 2) == 1;
    }

    String readString() {
        int length = readLength();
        String value = new String(data, pos, length, StandardCharsets.UTF_8);
        pos += length;
        return value;
    }

    /** A string that repeats often, taken from (and added to) {@code cache}. */
    String readString(RepeatedStrings cache) {
        int length = readLength();
        String value = cache.get(data, pos, length);
        pos += length;
        return value;
    }

    /** Fails unless every byte was read: a longer payload is not the record its schema describes. */
    void expectEnd() {
        if (pos != end) {
            throw malformed((end - pos) + " trailing bytes after the record", pos);
        }
    }

    private int readLength() {
        int at = pos;
        int length = readInt();
        if (length < 0) {
            throw malformed("negative string length " + length, at);
        }
        if (length > end - pos) {
            throw malformed("truncated string: length " + length + " but " + (end - pos) + " bytes left", at);
        }
        return length;
    }

    private int next(String what, int at) {
        if (pos >= end) {
            throw malformed("truncated " + what + ": the payload ends", at);
        }
        return data[pos++] & 0xff;
    }

    private MalformedAvroException malformed(String problem, int at) {
        return new MalformedAvroException(problem + " at byte " + (at - start) + " of " + (end - start) + " in the Avro payload");
    }
}
