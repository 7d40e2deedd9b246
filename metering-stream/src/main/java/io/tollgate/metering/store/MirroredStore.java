package io.tollgate.metering.store;

import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A small key-value store held whole by the processor that is its only writer: every entry is read once when the
 * processor starts, after which a read, absent keys included, is a hash lookup and never reaches the store (its
 * record cache and serdes), and a scan walks the copy instead of a merged cache-and-store iterator. Every write goes
 * to the store first, so the store and its changelog stay the only state, in the task's transaction; a write that
 * throws leaves the copy as it was. For stores that hold what is owed until the next emit (one interval's entries),
 * not for stores that grow with the data. Must be created in the processor's {@code init()}: a task revived after an
 * aborted transaction restores its stores and runs {@code init()} again, which reads them afresh. Not thread-safe,
 * like the processor that owns it.
 */
public final class MirroredStore<K, V> {

    private final KeyValueStore<K, V> store;
    private final Map<K, V> entries = new HashMap<>();

    public MirroredStore(KeyValueStore<K, V> store) {
        this.store = store;
        try (KeyValueIterator<K, V> it = store.all()) {
            it.forEachRemaining(entry -> entries.put(entry.key, entry.value));
        }
    }

    public V get(K key) {
        return entries.get(key);
    }

    public boolean containsKey(K key) {
        return entries.containsKey(key);
    }

    public void put(K key, V value) {
        if (value == null) {
            delete(key);
            return;
        }
        store.put(key, value);
        entries.put(key, value);
    }

    public void delete(K key) {
        store.delete(key);
        entries.remove(key);
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** The entries held, as a copy: callers delete while walking it. */
    public Map<K, V> snapshot() {
        return new HashMap<>(entries);
    }

    /** The keys held, as a copy: callers delete while walking it. */
    public Set<K> keys() {
        return Set.copyOf(entries.keySet());
    }
}
