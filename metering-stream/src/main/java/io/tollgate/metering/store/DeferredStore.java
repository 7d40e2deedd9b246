package io.tollgate.metering.store;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.CachedStateStore;
import org.apache.kafka.streams.state.internals.WrappedStateStore;

/**
 * A logged key-value store whose writes are held as objects until the task commits, and serialized and written to
 * the store and its changelog then: once per changed key and commit, inside the transaction being committed (at
 * the same point where Streams flushes its record caches, {@link CommitHook}). Streams' record cache coalesces
 * changelog writes the same way, but serializes the whole value and sorts its key into the cache on every put;
 * for values rewritten on every event (a minute of rate buckets, a day's totals, a spend total with its maps) that
 * was most of a processor's cost. The processor's reads look at the held objects first, so they see every write,
 * committed or not, like reads through a record cache.
 *
 * <p>Exactly-once is the store's: a crash before the commit loses the held writes together with the open
 * transaction and its input offsets, and the records are processed again; an aborted task is closed, which drops
 * what it held, and restored from the changelog. The writes held are bounded: past {@code maxHeld} keys they are
 * written early, as a record cache evicts, which costs only an extra changelog record. Values last read or written
 * stay decoded for the next read (up to {@code maxHeld} of them, then started afresh). Scans merge the held writes
 * into the store's own iterator in key order.
 *
 * <p>The held objects belong to the thread that writes (the stream thread running the task): it may change a value
 * in place as long as it puts it again, so the commit writes it. Any other thread (interactive queries) reads the
 * store itself, which holds what was committed or written early, never a held object.
 */
public final class DeferredStore<K, V> implements KeyValueStore<K, V>, CachedStateStore<K, V> {

    /** A delete held until the commit. */
    private static final Object DELETED = new Object();

    private final KeyValueStore<Bytes, byte[]> inner;
    private final Serde<K> keySerde;
    private final Serde<V> valueSerde;
    private final int maxHeld;
    /**
     * The latest value of every key written since the last commit, or read since the map was last started afresh, in
     * one slot per key, so a write costs one lookup. Owner thread only.
     */
    private final Map<K, Slot<K>> slots = new HashMap<>();
    /** The slots written since the last commit, in the order first written: what the commit writes. Stream thread only. */
    private final List<Slot<K>> dirty = new ArrayList<>();
    /**
     * Keys the store was read without since the last commit: a delete of one of them writes nothing (an entry put and
     * deleted between two commits, like a reservation settled within one, never reaches the changelog). Stream thread
     * only.
     */
    private final Set<K> absent = new HashSet<>();
    private String topic;

    /** A key's value as the owner last read or wrote it ({@link #DELETED} for a held delete), and whether it is owed. */
    private static final class Slot<K> {
        final K key;
        Object value;
        boolean dirty;

        Slot(K key, Object value) {
            this.key = key;
            this.value = value;
        }
    }
    /** The thread that writes, known from its first write; null until then. */
    private volatile Thread owner;
    /** The thread that ran {@code init()}: Streams' stream thread, which then runs the task; owner until a write. */
    private volatile Thread initializer;

    private DeferredStore(KeyValueStore<Bytes, byte[]> inner, Serde<K> keySerde, Serde<V> valueSerde, int maxHeld) {
        this.inner = inner;
        this.keySerde = keySerde;
        this.valueSerde = valueSerde;
        this.maxHeld = maxHeld;
        this.topic = inner.name();
    }

    /**
     * The builder of a deferred store over the given bytes store (RocksDB or in memory), logged like any store.
     * {@code maxHeld} bounds the keys held between commits and the values held decoded.
     */
    public static <K, V> StoreBuilder<KeyValueStore<K, V>> builder(KeyValueBytesStoreSupplier supplier,
                                                                   Serde<K> keySerde, Serde<V> valueSerde,
                                                                   int maxHeld) {
        if (maxHeld < 1) {
            throw new IllegalArgumentException("maxHeld is " + maxHeld + "; expected at least 1");
        }
        StoreBuilder<KeyValueStore<Bytes, byte[]>> bytes = Stores.keyValueStoreBuilder(supplier, Serdes.Bytes(),
                Serdes.ByteArray()).withCachingDisabled();
        return new StoreBuilder<>() {
            private StoreBuilder<KeyValueStore<Bytes, byte[]>> inner = bytes;

            @Override
            public StoreBuilder<KeyValueStore<K, V>> withCachingEnabled() {
                return this;
            }

            @Override
            public StoreBuilder<KeyValueStore<K, V>> withCachingDisabled() {
                return this;
            }

            @Override
            public StoreBuilder<KeyValueStore<K, V>> withLoggingEnabled(Map<String, String> config) {
                inner = inner.withLoggingEnabled(config);
                return this;
            }

            @Override
            public StoreBuilder<KeyValueStore<K, V>> withLoggingDisabled() {
                inner = inner.withLoggingDisabled();
                return this;
            }

            @Override
            public KeyValueStore<K, V> build() {
                return new DeferredStore<>(inner.build(), keySerde, valueSerde, maxHeld);
            }

            @Override
            public Map<String, String> logConfig() {
                return inner.logConfig();
            }

            @Override
            public boolean loggingEnabled() {
                return inner.loggingEnabled();
            }

            @Override
            public String name() {
                return inner.name();
            }
        };
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        clearCache();
        owner = null;
        initializer = Thread.currentThread();
        topic = context.applicationId() + "-" + name() + "-changelog";
        inner.init(context, root);
    }

    @Override
    @SuppressWarnings("unchecked")
    public V get(K key) {
        boolean owned = owns(Thread.currentThread());
        if (owned) {
            Slot<K> held = slots.get(key);
            if (held != null) {
                return held.value == DELETED ? null : (V) held.value;
            }
        }
        byte[] raw = inner.get(keyBytes(key));
        if (raw == null) {
            if (owned && absent.size() < maxHeld) {
                absent.add(key);
            }
            return null;
        }
        V value = valueSerde.deserializer().deserialize(topic, raw);
        if (owned && slots.size() < maxHeld) {
            slots.put(key, new Slot<>(key, value));
        }
        return value;
    }

    /**
     * Tells the store, without a read, that it holds no entry for {@code key}: for an owner that keeps a complete index
     * of the keys. As after a {@link #get} that found nothing, an entry put and deleted before the next commit then
     * reaches neither the store nor its changelog. Owner thread only; ignored for a key already held.
     */
    public void knownAbsent(K key) {
        if (owns(Thread.currentThread()) && !slots.containsKey(key) && absent.size() < maxHeld) {
            absent.add(key);
        }
    }

    /**
     * The deferred store under what a processor's {@code context.getStateStore} returned: Streams hands a processor
     * its stores wrapped in a read-write decorator.
     */
    @SuppressWarnings("unchecked")
    public static <K, V> DeferredStore<K, V> of(StateStore store) {
        StateStore s = store;
        while (!(s instanceof DeferredStore) && s instanceof WrappedStateStore<?, ?, ?> wrapped) {
            s = wrapped.wrapped();
        }
        if (!(s instanceof DeferredStore<?, ?> deferred)) {
            throw new IllegalStateException("store '" + store.name() + "' is a " + store.getClass().getName()
                    + ", not a deferred store; add it with DeferredStore.builder");
        }
        return (DeferredStore<K, V>) deferred;
    }

    @Override
    public void put(K key, V value) {
        hold(key, value == null ? DELETED : value);
    }

    @Override
    public V putIfAbsent(K key, V value) {
        V current = get(key);
        if (current == null) {
            put(key, value);
        }
        return current;
    }

    @Override
    public void putAll(List<KeyValue<K, V>> entries) {
        entries.forEach(entry -> put(entry.key, entry.value));
    }

    @Override
    public V delete(K key) {
        V current = get(key);
        hold(key, DELETED);
        return current;
    }

    private void hold(K key, Object value) {
        Thread current = Thread.currentThread();
        if (owner != current) {
            if (owner != null) {
                throw new IllegalStateException("store '" + name() + "' is written by " + owner.getName()
                        + "; a write from " + current.getName() + " would race with it");
            }
            owner = current;
        }
        Slot<K> slot = slots.get(key);
        if (slot == null || !slot.dirty) {
            if (dirty.size() >= maxHeld) {
                flushCache(); // writes only dirty slots, so this key's slot (clean or none) stays as it is
            }
            if (slot == null) {
                if (slots.size() >= maxHeld) {
                    forgetClean();
                }
                slot = new Slot<>(key, value);
                slots.put(key, slot);
            }
            slot.dirty = true;
            dirty.add(slot);
        }
        slot.value = value;
    }

    /** Writes what is held to the store and its changelog: at the commit, or early when too much is held. */
    @Override
    @SuppressWarnings("unchecked")
    public void flushCache() {
        if (dirty.isEmpty()) {
            return;
        }
        Serializer<V> serializer = valueSerde.serializer();
        // one write batch for RocksDB (a null value deletes), rather than a put per key
        List<KeyValue<Bytes, byte[]>> batch = new ArrayList<>(dirty.size());
        for (Slot<K> slot : dirty) {
            if (slot.value == DELETED) {
                if (!absent.contains(slot.key)) {
                    batch.add(KeyValue.pair(keyBytes(slot.key), null));
                }
                slots.remove(slot.key);
            } else {
                batch.add(KeyValue.pair(keyBytes(slot.key), serializer.serialize(topic, (V) slot.value)));
            }
            slot.dirty = false;
        }
        inner.putAll(batch);
        dirty.clear();
        absent.clear();
    }

    /** Drops what is held without writing it; Streams calls this for a task closed without a commit. */
    @Override
    public void clearCache() {
        slots.clear();
        dirty.clear();
        absent.clear();
    }

    private void forgetClean() {
        slots.values().removeIf(slot -> !slot.dirty);
    }

    @Override
    public boolean setFlushListener(CacheFlushListener<K, V> listener, boolean sendOldValues) {
        return false;
    }

    private Bytes keyBytes(K key) {
        return Bytes.wrap(keySerde.serializer().serialize(topic, key));
    }

    @Override
    public KeyValueIterator<K, V> range(K from, K to) {
        return merged(from == null ? null : keyBytes(from), to == null ? null : keyBytes(to), false,
                inner.range(from == null ? null : keyBytes(from), to == null ? null : keyBytes(to)));
    }

    @Override
    public KeyValueIterator<K, V> reverseRange(K from, K to) {
        return merged(from == null ? null : keyBytes(from), to == null ? null : keyBytes(to), true,
                inner.reverseRange(from == null ? null : keyBytes(from), to == null ? null : keyBytes(to)));
    }

    @Override
    public KeyValueIterator<K, V> all() {
        return merged(null, null, false, inner.all());
    }

    @Override
    public KeyValueIterator<K, V> reverseAll() {
        return merged(null, null, true, inner.reverseAll());
    }

    @Override
    public <PS extends Serializer<P>, P> KeyValueIterator<K, V> prefixScan(P prefix, PS prefixKeySerializer) {
        Bytes from = Bytes.wrap(prefixKeySerializer.serialize(topic, prefix));
        Bytes to = Bytes.increment(from);
        KeyValueIterator<Bytes, byte[]> stored = inner.prefixScan(prefix, prefixKeySerializer);
        return new Merged(held(from, to, false, true), stored, false);
    }

    @Override
    public long approximateNumEntries() {
        return inner.approximateNumEntries() + (owns(Thread.currentThread()) ? dirty.size() : 0);
    }

    /** Whether {@code thread} writes this store, or will: nothing was written yet and it initialised the store. */
    private boolean owns(Thread thread) {
        Thread writer = owner;
        return writer == null ? thread == initializer : thread == writer;
    }

    private KeyValueIterator<K, V> merged(Bytes from, Bytes to, boolean reverse,
                                          KeyValueIterator<Bytes, byte[]> stored) {
        return new Merged(held(from, to, reverse, false), stored, reverse);
    }

    /**
     * The held writes within [from, to] ([from, to) when {@code toExclusive}), in key order, deletes included; none
     * for a thread other than the owner, which reads the store alone.
     */
    private List<KeyValue<Bytes, Object>> held(Bytes from, Bytes to, boolean reverse, boolean toExclusive) {
        List<KeyValue<Bytes, Object>> out = new ArrayList<>();
        if (!owns(Thread.currentThread())) {
            return out;
        }
        // an entry held clean equals the store's, so laying it over the store changes nothing
        for (Slot<K> held : slots.values()) {
            Object value = held.value;
            Bytes bytes = keyBytes(held.key);
            boolean above = from == null || bytes.compareTo(from) >= 0;
            boolean below = to == null || (toExclusive ? bytes.compareTo(to) < 0 : bytes.compareTo(to) <= 0);
            if (value != null && above && below) {
                out.add(KeyValue.pair(bytes, value));
            }
        }
        out.sort((a, b) -> reverse ? b.key.compareTo(a.key) : a.key.compareTo(b.key));
        return out;
    }

    /** The store's entries with the held writes laid over them, in the store's key order. */
    private final class Merged implements KeyValueIterator<K, V> {
        private final List<KeyValue<Bytes, Object>> held;
        private final KeyValueIterator<Bytes, byte[]> stored;
        private final boolean reverse;
        private int next;
        private KeyValue<K, V> ahead;

        Merged(List<KeyValue<Bytes, Object>> held, KeyValueIterator<Bytes, byte[]> stored, boolean reverse) {
            this.held = held;
            this.stored = stored;
            this.reverse = reverse;
        }

        @Override
        public boolean hasNext() {
            while (ahead == null) {
                KeyValue<Bytes, Object> h = next < held.size() ? held.get(next) : null;
                Bytes s = stored.hasNext() ? stored.peekNextKey() : null;
                if (h == null && s == null) {
                    return false;
                }
                int order = h == null ? 1 : s == null ? -1 : (reverse ? s.compareTo(h.key) : h.key.compareTo(s));
                if (order <= 0) {
                    next++;
                    if (order == 0) {
                        stored.next();
                    }
                    if (h.value != DELETED) {
                        ahead = entry(h.key, h.value);
                    }
                } else {
                    KeyValue<Bytes, byte[]> entry = stored.next();
                    ahead = KeyValue.pair(keySerde.deserializer().deserialize(topic, entry.key.get()),
                            valueSerde.deserializer().deserialize(topic, entry.value));
                }
            }
            return true;
        }

        @SuppressWarnings("unchecked")
        private KeyValue<K, V> entry(Bytes key, Object value) {
            return KeyValue.pair(keySerde.deserializer().deserialize(topic, key.get()), (V) value);
        }

        @Override
        public KeyValue<K, V> next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            KeyValue<K, V> out = ahead;
            ahead = null;
            return out;
        }

        @Override
        public K peekNextKey() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            return ahead.key;
        }

        @Override
        public void close() {
            stored.close();
        }
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public void flush() {
        inner.flush();
    }

    @Override
    public void commit(Map<org.apache.kafka.common.TopicPartition, Long> changelogOffsets) {
        inner.commit(changelogOffsets);
    }

    @Override
    public Long committedOffset(org.apache.kafka.common.TopicPartition partition) {
        return inner.committedOffset(partition);
    }

    @Override
    public boolean managesOffsets() {
        return inner.managesOffsets();
    }

    @Override
    public void close() {
        clearCache();
        inner.close();
    }

    @Override
    public boolean persistent() {
        return inner.persistent();
    }

    @Override
    public boolean isOpen() {
        return inner.isOpen();
    }

    @Override
    public Position getPosition() {
        return inner.getPosition();
    }
}
