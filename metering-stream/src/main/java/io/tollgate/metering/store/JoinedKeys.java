package io.tollgate.metering.store;

import java.util.HashMap;
import java.util.Map;
import java.util.function.BinaryOperator;

/**
 * Store keys joined from two parts (an API key and a model, a quota key and a day), kept by their parts: an event's
 * keys are then the same instances each time, with their hash codes computed once, rather than strings concatenated,
 * hashed and compared character by character per event. The parts an event carries are mostly shared instances
 * already (the usage decoder shares repeated ids), so a lookup is two hash probes that compare by identity.
 * Bounded: past {@code capacity} keys it starts again empty. One per processor; not thread-safe.
 */
public final class JoinedKeys {

    private final int capacity;
    private final BinaryOperator<String> join;
    private final Map<String, Map<String, String>> byFirst = new HashMap<>();
    private int size;

    public JoinedKeys(int capacity, BinaryOperator<String> join) {
        if (capacity < 1) {
            throw new IllegalArgumentException("a joined-key capacity of " + capacity + "; expected at least 1");
        }
        this.capacity = capacity;
        this.join = join;
    }

    /** {@code join(first, second)}, built once per pair until the capacity is reached. */
    public String of(String first, String second) {
        Map<String, String> seconds = byFirst.get(first);
        String key = seconds == null ? null : seconds.get(second);
        if (key != null) {
            return key;
        }
        if (size >= capacity) {
            byFirst.clear();
            size = 0;
            seconds = null;
        }
        if (seconds == null) {
            seconds = new HashMap<>(4);
            byFirst.put(first, seconds);
        }
        key = join.apply(first, second);
        seconds.put(second, key);
        size++;
        return key;
    }
}
