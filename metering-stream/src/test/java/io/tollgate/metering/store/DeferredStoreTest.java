package io.tollgate.metering.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.query.Position;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@link DeferredStore} over an in-memory bytes store that records every write reaching it, initialised on the test
 * thread (its owner) through {@link MockProcessorContext}; {@code flushCache()} stands for the commit, as Streams
 * calls it in {@code StreamTask.prepareCommit}. The last test runs the store in a TopologyTestDriver, which commits
 * after every record, and reads its changelog.
 */
class DeferredStoreTest {

    private static final String STORE = "deferred-test";

    private RecordingStore inner;
    private DeferredStore<String, String> store;

    @AfterEach
    void close() {
        if (store != null) {
            store.close();
        }
    }

    @Test
    void shouldReadHeldWritesWhenNothingWasFlushedYet() {
        // Given a store holding b
        open(16, Map.of("b", "1"));

        // When a key is put, another overwritten twice and the stored one deleted, with no flush
        store.put("a", "new");
        store.put("c", "first");
        store.put("c", "second");
        String deleted = store.delete("b");

        // Then reads see every write, and the deleted key's value was the stored one
        assertThat(store.get("a")).isEqualTo("new");
        assertThat(store.get("c")).isEqualTo("second");
        assertThat(store.get("b")).isNull();
        assertThat(deleted).isEqualTo("1");
        assertThat(store.putIfAbsent("a", "other")).isEqualTo("new");
        assertThat(store.putIfAbsent("b", "again")).isNull();
        assertThat(store.get("b")).isEqualTo("again");
        // and nothing reached the inner store
        assertThat(inner.writes).isEmpty();
    }

    @Test
    void shouldWriteEachChangedKeyOnceWhenTheCacheIsFlushed() {
        // Given a store holding d
        open(16, Map.of("d", "4"));

        // When keys are put, overwritten and the stored one deleted
        store.put("a", "1");
        store.put("a", "2");
        store.putAll(List.of(KeyValue.pair("b", "3"), KeyValue.pair("c", "5")));
        store.delete("d");
        assertThat(inner.writes).as("writes before the flush").isEmpty();
        store.flushCache();

        // Then the flush wrote every changed key's last value once, and a tombstone for the deleted one
        assertThat(inner.writes).containsExactlyInAnyOrder(new Write("a", "2"), new Write("b", "3"),
                new Write("c", "5"), Write.tombstone("d"));
        assertThat(inner.stored()).containsExactly(KeyValue.pair("a", "2"), KeyValue.pair("b", "3"),
                KeyValue.pair("c", "5"));
        // and a second flush with nothing changed writes nothing
        inner.writes.clear();
        store.flushCache();
        assertThat(inner.writes).isEmpty();
    }

    @Test
    void shouldWriteNothingWhenAKeyReadAsAbsentIsPutThenDeletedBetweenFlushes() {
        // Given an empty store whose key x was read and found absent
        open(16, Map.of());
        assertThat(store.get("x")).isNull();

        // When x is put, then deleted, then the cache is flushed
        store.put("x", "reserved");
        store.delete("x");
        store.flushCache();

        // Then neither the put nor a tombstone reached the inner store
        assertThat(inner.writes).isEmpty();
        assertThat(store.get("x")).isNull();
    }

    @Test
    void shouldWriteNothingWhenAKeyToldAbsentIsPutThenDeletedBetweenFlushes() {
        // Given an empty store told, without a read, that it lacks x (its owner keeps an index of the keys)
        open(16, Map.of());
        store.knownAbsent("x");

        // When x is put, then deleted, then the cache is flushed
        store.put("x", "reserved");
        store.delete("x");
        store.flushCache();

        // Then neither the put nor a tombstone reached the inner store
        assertThat(inner.writes).isEmpty();
    }

    @Test
    void shouldIgnoreBeingToldAKeyIsAbsentWhenItHoldsAWriteOfIt() {
        // Given a store holding k, read, then told (wrongly, late) that k is absent
        open(16, Map.of("k", "1"));
        assertThat(store.get("k")).isEqualTo("1");
        store.knownAbsent("k");

        // When k is deleted and the cache flushed
        store.delete("k");
        store.flushCache();

        // Then the tombstone still reached the inner store
        assertThat(inner.writes).containsExactly(Write.tombstone("k"));
    }

    @Test
    void shouldWriteATombstoneWhenDeletingAKeyTheStoreHolds() {
        // Given a store holding k, read before the delete
        open(16, Map.of("k", "1"));
        assertThat(store.get("k")).isEqualTo("1");

        // When k is deleted and the cache flushed
        store.delete("k");
        store.flushCache();

        // Then a tombstone was written and k is gone
        assertThat(inner.writes).containsExactly(Write.tombstone("k"));
        assertThat(inner.stored()).isEmpty();
        assertThat(store.get("k")).isNull();
    }

    @Test
    void shouldWriteATombstoneWhenAKeyReadAsAbsentWasWrittenAtAnEarlierFlush() {
        // Given a key read as absent, then put and flushed
        open(16, Map.of());
        assertThat(store.get("x")).isNull();
        store.put("x", "1");
        store.flushCache();

        // When it is deleted in the next interval and flushed again
        store.delete("x");
        store.flushCache();

        // Then the delete reached the inner store
        assertThat(inner.writes).containsExactly(new Write("x", "1"), Write.tombstone("x"));
        assertThat(inner.stored()).isEmpty();
        assertThat(store.get("x")).isNull();
    }

    @Test
    void shouldFlushEarlyWhenMoreThanMaxHeldKeysAreDirty() {
        // Given a store holding at most 3 dirty keys
        open(3, Map.of());

        // When 3 keys are written, one of them twice
        store.put("a", "1");
        store.put("b", "2");
        store.put("c", "3");
        store.put("a", "4");

        // Then nothing was written yet
        assertThat(inner.writes).isEmpty();

        // When a 4th key is written
        store.put("d", "5");

        // Then the 3 held keys were written, the 4th is still held
        assertThat(inner.writes).containsExactlyInAnyOrder(new Write("a", "4"), new Write("b", "2"), new Write("c", "3"));
        assertThat(store.get("d")).isEqualTo("5");
        store.flushCache();
        assertThat(inner.writes).hasSize(4).contains(new Write("d", "5"));
    }

    @Test
    void shouldDropHeldWritesWhenTheCacheIsCleared() {
        // Given a store holding s, with a new key and a delete of s held
        open(16, Map.of("s", "stored"));
        store.put("n", "new");
        store.delete("s");

        // When the cache is cleared (a task closed without a commit), then flushed
        store.clearCache();
        store.flushCache();

        // Then the held writes are gone, unwritten, and reads see the store
        assertThat(inner.writes).isEmpty();
        assertThat(store.get("n")).isNull();
        assertThat(store.get("s")).isEqualTo("stored");
        assertThat(all(store.all())).containsExactly(KeyValue.pair("s", "stored"));
    }

    @Test
    void shouldMergeHeldWritesIntoScansInKeyOrder() {
        // Given a store holding b, d, f, h, and held: a and i (outside them), e (between), d overwritten, f deleted
        open(16, Map.of("b", "1", "d", "2", "f", "3", "h", "4"));
        store.put("a", "0");
        store.put("d", "20");
        store.put("e", "5");
        store.delete("f");
        store.put("i", "9");

        // Then every scan lists the store's entries with the held writes laid over them, in key order
        List<KeyValue<String, String>> merged = List.of(KeyValue.pair("a", "0"), KeyValue.pair("b", "1"),
                KeyValue.pair("d", "20"), KeyValue.pair("e", "5"), KeyValue.pair("h", "4"), KeyValue.pair("i", "9"));
        assertScans(merged);
        assertThat(inner.writes).as("writes before the flush").isEmpty();

        // and the same after the flush, from the inner store
        store.flushCache();
        assertThat(inner.stored()).isEqualTo(merged);
        assertScans(merged);
    }

    private void assertScans(List<KeyValue<String, String>> merged) {
        assertThat(all(store.all())).as("all").isEqualTo(merged);
        assertThat(all(store.reverseAll())).as("reverseAll").isEqualTo(reversed(merged));
        assertThat(all(store.range(null, null))).as("range(null, null)").isEqualTo(merged);
        // ends that are held: a new key at both ends
        assertThat(all(store.range("a", "i"))).as("range(a, i)").isEqualTo(merged);
        assertThat(all(store.reverseRange("a", "i"))).as("reverseRange(a, i)").isEqualTo(reversed(merged));
        // ends that are stored entries, an overwritten one at the start
        assertThat(all(store.range("d", "h"))).as("range(d, h)")
                .containsExactly(KeyValue.pair("d", "20"), KeyValue.pair("e", "5"), KeyValue.pair("h", "4"));
        assertThat(all(store.reverseRange("b", "e"))).as("reverseRange(b, e)")
                .containsExactly(KeyValue.pair("e", "5"), KeyValue.pair("d", "20"), KeyValue.pair("b", "1"));
        // a held delete at the start, an overwrite alone
        assertThat(all(store.range("f", "h"))).as("range(f, h)").containsExactly(KeyValue.pair("h", "4"));
        assertThat(all(store.range("f", "f"))).as("range(f, f)").isEmpty();
        assertThat(all(store.range("d", "d"))).as("range(d, d)").containsExactly(KeyValue.pair("d", "20"));
        // ends between keys, open ends
        assertThat(all(store.range("c", "g"))).as("range(c, g)")
                .containsExactly(KeyValue.pair("d", "20"), KeyValue.pair("e", "5"));
        assertThat(all(store.range(null, "b"))).as("range(null, b)")
                .containsExactly(KeyValue.pair("a", "0"), KeyValue.pair("b", "1"));
        assertThat(all(store.reverseRange("h", null))).as("reverseRange(h, null)")
                .containsExactly(KeyValue.pair("i", "9"), KeyValue.pair("h", "4"));
        try (KeyValueIterator<String, String> it = store.range("c", "i")) {
            assertThat(it.peekNextKey()).isEqualTo("d");
            assertThat(it.next()).isEqualTo(KeyValue.pair("d", "20"));
        }
    }

    @Test
    void shouldMergeHeldWritesIntoPrefixScansUpToTheNextPrefix() {
        // Given a store holding x, x:1, x:3, x:5, y:1 ("x;" is the first key after the prefix "x:")
        open(16, Map.of("x", "s", "x:1", "1", "x:3", "3", "x:5", "5", "y:1", "y"));
        // and held: x:0 new, x:3 overwritten, x:5 deleted, and x; and w:9 outside the prefix
        store.put("x:0", "0");
        store.put("x:3", "30");
        store.delete("x:5");
        store.put("x;", "next");
        store.put("w:9", "w");

        // When scanning the prefix x:
        List<KeyValue<String, String>> scanned = all(store.prefixScan("x:", new StringSerializer()));

        // Then the prefix's entries, held writes laid over them, in key order
        List<KeyValue<String, String>> expected = List.of(KeyValue.pair("x:0", "0"), KeyValue.pair("x:1", "1"),
                KeyValue.pair("x:3", "30"));
        assertThat(scanned).isEqualTo(expected);
        store.flushCache();
        assertThat(all(store.prefixScan("x:", new StringSerializer()))).as("after the flush").isEqualTo(expected);
    }

    @Test
    void shouldNotKeepAValueReadOnAnotherThreadWhenTheOwnerReplacedItMeanwhile() throws Exception {
        // Given a store holding k=old (at most 3 keys held), and a query thread that read k=old from the inner
        // store and is paused before returning it
        open(3, Map.of("k", "old"));
        FutureTask<String> read = new FutureTask<>(() -> store.get("k"));
        Thread query = new Thread(read, "query");
        CountDownLatch release = inner.pauseReadsOf(query);
        query.start();
        await().atMost(Duration.ofSeconds(10)).until(inner::paused);

        // When the owner writes k=new and flushes it, then writes other keys until the clean k is forgotten
        store.put("k", "new");
        store.put("a", "1");
        store.put("b", "2");
        store.flushCache();
        store.put("c", "3");
        // and the query thread's read then completes
        release.countDown();
        assertThat(read.get(30, TimeUnit.SECONDS)).as("the query thread's read").isEqualTo("old");

        // Then the owner reads the new value, not the one the query thread read
        assertThat(store.get("k")).isEqualTo("new");
        assertThat(all(store.all())).contains(KeyValue.pair("k", "new"));
    }

    @Test
    void shouldDeleteAKeyWhenAnotherThreadReadItAsAbsentJustBeforeItWasWritten() throws Exception {
        // Given an empty store and a query thread that found k absent in the inner store and is paused there
        open(16, Map.of());
        FutureTask<String> read = new FutureTask<>(() -> store.get("k"));
        Thread query = new Thread(read, "query");
        CountDownLatch release = inner.pauseReadsOf(query);
        query.start();
        await().atMost(Duration.ofSeconds(10)).until(inner::paused);

        // When the owner writes k and flushes, the query thread's read completes, and the owner deletes k
        store.put("k", "1");
        store.flushCache();
        release.countDown();
        assertThat(read.get(30, TimeUnit.SECONDS)).as("the query thread's read").isNull();
        store.delete("k");
        store.flushCache();

        // Then the delete reached the inner store
        assertThat(inner.writes).containsExactly(new Write("k", "1"), Write.tombstone("k"));
        assertThat(store.get("k")).isNull();
    }

    @Test
    void shouldLogOneChangelogRecordPerChangedKeyWhenTheTaskCommits() {
        // Given a topology whose processor writes a key five times per record, a second key once, and puts and
        // deletes a third key it reads as absent, on a deferred store (TopologyTestDriver commits after each record)
        Topology topology = new Topology();
        topology.addSource("in", new StringDeserializer(), new StringDeserializer(), "in");
        topology.addProcessor("writer", () -> new Processor<String, String, Void, Void>() {
            private KeyValueStore<String, String> kv;

            @Override
            public void init(ProcessorContext<Void, Void> context) {
                kv = context.getStateStore(STORE);
            }

            @Override
            public void process(Record<String, String> record) {
                for (int i = 1; i <= 5; i++) {
                    kv.put(record.key(), record.value() + "-" + i);
                }
                kv.put("last", record.key());
                String reservation = "reservation-" + record.key();
                if (kv.get(reservation) == null) {
                    kv.put(reservation, "held");
                    kv.delete(reservation);
                }
            }
        }, "in");
        topology.addStateStore(DeferredStore.builder(Stores.inMemoryKeyValueStore(STORE), Serdes.String(),
                Serdes.String(), 16), "writer");
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "deferred-store-test");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        try (TopologyTestDriver driver = new TopologyTestDriver(topology, props, Instant.parse("2026-11-22T12:00:00Z"))) {
            TestInputTopic<String, String> in = driver.createInputTopic("in", new StringSerializer(), new StringSerializer());
            TestOutputTopic<String, String> changelog = driver.createOutputTopic(
                    "deferred-store-test-" + STORE + "-changelog", new StringDeserializer(), new StringDeserializer());

            // When two records are processed, each followed by a commit
            in.pipeInput("a", "x");
            List<KeyValue<String, String>> first = changelog.readKeyValuesToList();
            in.pipeInput("b", "y");
            List<KeyValue<String, String>> second = changelog.readKeyValuesToList();

            // Then each commit logged the last value of each changed key once, and nothing of the reservation
            assertThat(first).containsExactlyInAnyOrder(KeyValue.pair("a", "x-5"), KeyValue.pair("last", "a"));
            assertThat(second).containsExactlyInAnyOrder(KeyValue.pair("b", "y-5"), KeyValue.pair("last", "b"));
            KeyValueStore<String, String> read = driver.getKeyValueStore(STORE);
            assertThat(all(read.all())).containsExactly(KeyValue.pair("a", "x-5"), KeyValue.pair("b", "y-5"),
                    KeyValue.pair("last", "b"));
        }
    }

    @Test
    void shouldLogThePunctuationsWritesWhenTheTaskCommitsAfterIt() {
        // Given a topology whose processor puts each record, and every minute of wall clock deletes the last key put
        // and writes the time
        Topology topology = new Topology();
        topology.addSource("in", new StringDeserializer(), new StringDeserializer(), "in");
        topology.addProcessor("writer", () -> new Processor<String, String, Void, Void>() {
            private KeyValueStore<String, String> kv;
            private String last;

            @Override
            public void init(ProcessorContext<Void, Void> context) {
                kv = context.getStateStore(STORE);
                context.schedule(Duration.ofMinutes(1), PunctuationType.WALL_CLOCK_TIME, now -> {
                    kv.delete(last);
                    kv.put("tick", Long.toString(now));
                });
            }

            @Override
            public void process(Record<String, String> record) {
                kv.put(record.key(), record.value());
                last = record.key();
            }
        }, "in");
        topology.addStateStore(DeferredStore.builder(Stores.inMemoryKeyValueStore(STORE), Serdes.String(),
                Serdes.String(), 16), "writer");
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "deferred-store-test");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        Instant start = Instant.parse("2026-11-22T12:00:00Z");
        try (TopologyTestDriver driver = new TopologyTestDriver(topology, props, start)) {
            TestInputTopic<String, String> in = driver.createInputTopic("in", new StringSerializer(), new StringSerializer());
            TestOutputTopic<String, String> changelog = driver.createOutputTopic(
                    "deferred-store-test-" + STORE + "-changelog", new StringDeserializer(), new StringDeserializer());
            in.pipeInput("a", "1");
            assertThat(changelog.readKeyValuesToList()).containsExactly(KeyValue.pair("a", "1"));

            // When a minute of wall clock passes (the driver punctuates, then commits)
            driver.advanceWallClockTime(Duration.ofMinutes(1));

            // Then the commit logged the punctuation's delete and put
            assertThat(changelog.readKeyValuesToList()).containsExactlyInAnyOrder(KeyValue.pair("a", null),
                    KeyValue.pair("tick", Long.toString(start.plus(Duration.ofMinutes(1)).toEpochMilli())));
            assertThat(all(driver.<String, String>getKeyValueStore(STORE).all())).containsExactly(
                    KeyValue.pair("tick", Long.toString(start.plus(Duration.ofMinutes(1)).toEpochMilli())));
        }
    }

    /** Builds the store over a recording in-memory store holding {@code stored}, and initialises it on this thread. */
    private void open(int maxHeld, Map<String, String> stored) {
        KeyValueStore<Bytes, byte[]> memory = Stores.inMemoryKeyValueStore(STORE).get();
        inner = new RecordingStore(memory);
        KeyValueBytesStoreSupplier supplier = new KeyValueBytesStoreSupplier() {
            @Override
            public String name() {
                return STORE;
            }

            @Override
            public KeyValueStore<Bytes, byte[]> get() {
                return inner;
            }

            @Override
            public String metricsScope() {
                return "deferred-test";
            }
        };
        store = (DeferredStore<String, String>) DeferredStore.builder(supplier, Serdes.String(), Serdes.String(), maxHeld)
                .withLoggingDisabled().build();
        MockProcessorContext<Object, Object> context = new MockProcessorContext<>();
        store.init(context.getStateStoreContext(), store);
        stored.forEach((key, value) -> memory.put(bytes(key), value.getBytes(StandardCharsets.UTF_8)));
    }

    private static Bytes bytes(String key) {
        return Bytes.wrap(key.getBytes(StandardCharsets.UTF_8));
    }

    private static List<KeyValue<String, String>> all(KeyValueIterator<String, String> it) {
        try (it) {
            List<KeyValue<String, String>> out = new ArrayList<>();
            it.forEachRemaining(out::add);
            return out;
        }
    }

    private static <T> List<T> reversed(List<T> list) {
        List<T> out = new ArrayList<>(list);
        Collections.reverse(out);
        return out;
    }

    /** A write that reached the inner store; a null value is a tombstone. */
    private record Write(String key, String value) {
        static Write tombstone(String key) {
            return new Write(key, null);
        }
    }

    /**
     * An in-memory bytes store that records each put and delete reaching it, and can pause one thread's reads after
     * the value was read and before it is returned, to interleave a query thread's read with the owner's writes.
     */
    private static final class RecordingStore implements KeyValueStore<Bytes, byte[]> {
        private final KeyValueStore<Bytes, byte[]> delegate;
        final List<Write> writes = new CopyOnWriteArrayList<>();
        private volatile Thread pausedThread;
        private volatile CountDownLatch release;
        private volatile boolean paused;

        RecordingStore(KeyValueStore<Bytes, byte[]> delegate) {
            this.delegate = delegate;
        }

        CountDownLatch pauseReadsOf(Thread thread) {
            release = new CountDownLatch(1);
            pausedThread = thread;
            return release;
        }

        boolean paused() {
            return paused;
        }

        List<KeyValue<String, String>> stored() {
            List<KeyValue<String, String>> out = new ArrayList<>();
            try (KeyValueIterator<Bytes, byte[]> it = delegate.all()) {
                it.forEachRemaining(e -> out.add(KeyValue.pair(string(e.key.get()), string(e.value))));
            }
            return out;
        }

        private static String string(byte[] raw) {
            return raw == null ? null : new String(raw, StandardCharsets.UTF_8);
        }

        @Override
        public byte[] get(Bytes key) {
            byte[] raw = delegate.get(key);
            if (Thread.currentThread() == pausedThread) {
                paused = true;
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return raw;
        }

        @Override
        public void put(Bytes key, byte[] value) {
            writes.add(new Write(string(key.get()), string(value)));
            delegate.put(key, value);
        }

        @Override
        public byte[] putIfAbsent(Bytes key, byte[] value) {
            byte[] current = delegate.get(key);
            if (current == null) {
                put(key, value);
            }
            return current;
        }

        @Override
        public void putAll(List<KeyValue<Bytes, byte[]>> entries) {
            // as RocksDB's write batch: a null value deletes
            entries.forEach(e -> {
                if (e.value == null) {
                    delete(e.key);
                } else {
                    put(e.key, e.value);
                }
            });
        }

        @Override
        public byte[] delete(Bytes key) {
            writes.add(Write.tombstone(string(key.get())));
            return delegate.delete(key);
        }

        @Override
        public KeyValueIterator<Bytes, byte[]> range(Bytes from, Bytes to) {
            return delegate.range(from, to);
        }

        @Override
        public KeyValueIterator<Bytes, byte[]> reverseRange(Bytes from, Bytes to) {
            return delegate.reverseRange(from, to);
        }

        @Override
        public KeyValueIterator<Bytes, byte[]> all() {
            return delegate.all();
        }

        @Override
        public KeyValueIterator<Bytes, byte[]> reverseAll() {
            return delegate.reverseAll();
        }

        @Override
        public <PS extends Serializer<P>, P> KeyValueIterator<Bytes, byte[]> prefixScan(
                P prefix, PS prefixKeySerializer) {
            return delegate.prefixScan(prefix, prefixKeySerializer);
        }

        @Override
        public long approximateNumEntries() {
            return delegate.approximateNumEntries();
        }

        @Override
        public String name() {
            return delegate.name();
        }

        @Override
        public void init(StateStoreContext context, StateStore root) {
            delegate.init(context, root);
        }

        @Override
        public void flush() {
            delegate.flush();
        }

        @Override
        public void close() {
            delegate.close();
        }

        @Override
        public boolean persistent() {
            return delegate.persistent();
        }

        @Override
        public boolean isOpen() {
            return delegate.isOpen();
        }

        @Override
        public Position getPosition() {
            return delegate.getPosition();
        }
    }
}
