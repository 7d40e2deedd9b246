package io.tollgate.schemas.serde;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A bounded cache of decoded strings keyed by their UTF-8 bytes, so a value that repeats on every record
 * (tenant, team, model, ...) is decoded once and then shared instead of allocated again. Direct-mapped: each
 * byte sequence has one slot, and a different value hashing there replaces it, so the cache never holds more
 * than {@code slots} strings of at most {@value #MAX_BYTES} bytes, whatever arrives.
 *
 * <p>Safe to share between threads without locking: a slot holds an immutable {@link Entry}, whose final
 * fields every thread sees complete; two threads racing on a slot at worst decode the same string twice.
 */
final class RepeatedStrings {

    /** Longer values are decoded every time: they are seldom the repeating kind and would pin memory. */
    static final int MAX_BYTES = 64;

    private final Entry[] slots;
    private final int mask;

    /** @param slots a power of two */
    RepeatedStrings(int slots) {
        if (slots <= 0 || Integer.bitCount(slots) != 1) {
            throw new IllegalArgumentException("slots must be a power of two, got " + slots);
        }
        this.slots = new Entry[slots];
        this.mask = slots - 1;
    }

    String get(byte[] data, int offset, int length) {
        if (length == 0) {
            return "";
        }
        if (length > MAX_BYTES) {
            return new String(data, offset, length, StandardCharsets.UTF_8);
        }
        int hash = 1;
        for (int i = offset, end = offset + length; i < end; i++) {
            hash = 31 * hash + data[i];
        }
        hash ^= hash >>> 16;
        int slot = hash & mask;
        Entry entry = slots[slot];
        if (entry != null && entry.hash == hash
                && Arrays.equals(entry.utf8, 0, entry.utf8.length, data, offset, offset + length)) {
            return entry.value;
        }
        String value = new String(data, offset, length, StandardCharsets.UTF_8);
        slots[slot] = new Entry(hash, Arrays.copyOfRange(data, offset, offset + length), value);
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

    private record Entry(int hash, byte[] utf8, String value) {
    }
}
