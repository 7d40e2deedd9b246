package io.tollgate.schemas.serde;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A bounded cache of decoded strings keyed by their UTF-8 bytes, so a value that repeats on every record
 * (tenant, team, model, ...) is decoded once and then shared instead of allocated again. Two-way set
 * associative: each byte sequence hashes to a set of two slots, and a third value hashing there evicts the older
 * of the two, so the cache never holds more than {@code slots} strings of at most {@value #MAX_BYTES}
 * bytes, whatever arrives.
 *
 * <p>A lookup reads the value's first and last eight bytes as two longs: they hash it in constant time and,
 * with the length, up to 16 bytes are the whole value, so such a hit costs three comparisons and no array walk.
 *
 * <p>Used by this package's decoders and by readers of other compact encodings (metering's spend deltas).
 *
 * <p>Safe to share between threads without locking: a slot holds an immutable {@link Entry}, whose final
 * fields every thread sees complete; threads racing on a set at worst decode a string again or drop an entry.
 */
public final class RepeatedStrings {

    /** Longer values are decoded every time: they are seldom the repeating kind and would pin memory. */
    static final int MAX_BYTES = 64;

    private static final VarHandle LONG_LE = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final Entry[] slots;
    private final int mask;

    /** @param slots a power of two, at least 2 */
    public RepeatedStrings(int slots) {
        if (slots < 2 || Integer.bitCount(slots) != 1) {
            throw new IllegalArgumentException("slots must be a power of two of at least 2, got " + slots);
        }
        this.slots = new Entry[slots];
        this.mask = slots - 1;
    }

    /** The string of the UTF-8 bytes {@code data[offset, offset + length)}, shared with every earlier such string kept. */
    public String get(byte[] data, int offset, int length) {
        if (length == 0) {
            return "";
        }
        if (length > MAX_BYTES) {
            return new String(data, offset, length, StandardCharsets.UTF_8);
        }
        long first;
        long last;
        if (length >= Long.BYTES) {
            first = (long) LONG_LE.get(data, offset);
            last = (long) LONG_LE.get(data, offset + length - Long.BYTES);
        } else {
            first = 0;
            for (int i = offset + length - 1; i >= offset; i--) {
                first = (first << 8) | (data[i] & 0xff);
            }
            last = 0;
        }
        long mixed = first * 0x9E3779B97F4A7C15L + Long.rotateLeft(last * 0xC2B2AE3D27D4EB4FL, 31) + length;
        int set = (int) (mixed ^ (mixed >>> 29) ^ (mixed >>> 47)) & mask & ~1;
        Entry recent = slots[set];
        if (recent != null && recent.holds(data, offset, length, first, last)) {
            return recent.value;
        }
        Entry older = slots[set + 1];
        if (older != null && older.holds(data, offset, length, first, last)) {
            return older.value;
        }
        String value = new String(data, offset, length, StandardCharsets.UTF_8);
        byte[] middle = length > 2 * Long.BYTES
                ? Arrays.copyOfRange(data, offset + Long.BYTES, offset + length - Long.BYTES) : null;
        // two ways per set: two values that hash alike both stay instead of evicting each other on every record
        slots[set + 1] = recent;
        slots[set] = new Entry(first, last, length, middle, value);
        return value;
    }

    /** How many strings are cached now (for tests). */
    int size() {
        int size = 0;
        for (Entry entry : slots) {
            size += entry == null ? 0 : 1;
        }
        return size;
    }

    /** {@code middle}: the bytes between the first and last eight, null when those two cover the value. */
    private record Entry(long first, long last, int length, byte[] middle, String value) {

        boolean holds(byte[] data, int offset, int length, long first, long last) {
            return this.first == first && this.last == last && this.length == length
                    && (middle == null || Arrays.equals(middle, 0, middle.length,
                            data, offset + Long.BYTES, offset + length - Long.BYTES));
        }
    }
}
