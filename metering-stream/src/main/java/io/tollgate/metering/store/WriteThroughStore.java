package io.tollgate.metering.store;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A processor's key-value store with the values it last read or wrote also held decoded, so reading a hot key
 * again costs a hash lookup instead of serializing the key, searching the record cache and decoding the value.
 * Every write goes to the store first (the store and its changelog stay the only state, in the task's
 * transaction) and then replaces the decoded copy; a write that throws leaves the copy as it was. Only correct
 * while this processor is the store's only writer and its values are immutable, and it must be created in the
 * processor's {@code init()}: a task revived after an aborted transaction restores its stores and runs
 * {@code init()} again, which starts with no copies. Bounded: when {@code maxEntries} are held it starts over
 * rather than tracking recency on every read. Not thread-safe, like the processor that owns it.
 */
public final class WriteThroughStore<K, V> {

    private final KeyValueStore<K, V> store;
    private final int maxEntries;
    private final Map<K, V> decoded = new HashMap<>();

    public WriteThroughStore(KeyValueStore<K, V> store, int maxEntries) {
        if (maxEntries < 1) {
            throw new IllegalArgumentException("maxEntries is " + maxEntries + "; expected at least 1");
        }
        this.store = store;
        this.maxEntries = maxEntries;
    }

    public V get(K key) {
        V value = decoded.get(key);
        if (value == null) {
            value = store.get(key);
            if (value != null) {
                remember(key, value);
            }
        }
        return value;
    }

    public void put(K key, V value) {
        store.put(key, value);
        if (value == null) {
            decoded.remove(key);
        } else {
            remember(key, value);
        }
    }

    public void delete(K key) {
        store.delete(key);
        decoded.remove(key);
    }

    /** The store itself, for scans; writes must go through this class. */
    public KeyValueStore<K, V> store() {
        return store;
    }

    private void remember(K key, V value) {
        if (decoded.size() >= maxEntries && !decoded.containsKey(key)) {
            decoded.clear();
        }
        decoded.put(key, value);
    }
}
