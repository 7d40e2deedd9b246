package io.tollgate.metering.store;

import java.util.Map;
import java.util.function.LongConsumer;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.processor.StateStoreContext;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.internals.InternalProcessorContext;
import org.apache.kafka.streams.processor.internals.ProcessorNode;
import org.apache.kafka.streams.processor.internals.ProcessorRecordContext;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.internals.CacheFlushListener;
import org.apache.kafka.streams.state.internals.CachedStateStore;

/**
 * Runs a processor's action at every commit of its task, inside the transaction being committed: what the action
 * forwards is committed with the input offsets and store writes of the records processed since the last commit,
 * and aborted with them. So a processor may sum what it processes in plain fields and forward the sums here,
 * once per commit, with nothing written to a changelog for them: a crash before the commit aborts the forwarded
 * records together with the input offsets, the records are processed again, and the fields (emptied by
 * {@code init()}, which a task revived after an abort runs again) are rebuilt from them.
 *
 * <p>A state store that holds nothing: Streams has no public hook at the commit, but it flushes the record caches
 * of a task's stores in {@code StreamTask.prepareCommit}, before it flushes the producer and commits the
 * transaction, and a store that implements Kafka's internal {@code CachedStateStore} is flushed there. The action
 * forwards as its processor (the DSL's cached KTable does the same through {@code InternalProcessorContext}), with
 * a record context like a punctuation's. Streams also flushes caches when it closes a task cleanly, which commits
 * too. A Kafka Streams upgrade that moves that flush would show in the tests that count per commit
 * (QuotaStatusAtCommitIT) and in the exactness tests under process kills.
 */
public final class CommitHook implements StateStore, CachedStateStore<Object, Object> {

    private final String name;
    private volatile boolean open;
    private Runnable action;

    private CommitHook(String name) {
        this.name = name;
    }

    /** The store to add to the topology and connect to the processor that registers its action. */
    public static StoreBuilder<CommitHook> builder(String name) {
        return new StoreBuilder<>() {
            @Override
            public StoreBuilder<CommitHook> withCachingEnabled() {
                return this;
            }

            @Override
            public StoreBuilder<CommitHook> withCachingDisabled() {
                return this;
            }

            @Override
            public StoreBuilder<CommitHook> withLoggingEnabled(Map<String, String> config) {
                throw new UnsupportedOperationException("commit hook '" + name + "' holds nothing to log");
            }

            @Override
            public StoreBuilder<CommitHook> withLoggingDisabled() {
                return this;
            }

            @Override
            public CommitHook build() {
                return new CommitHook(name);
            }

            @Override
            public Map<String, String> logConfig() {
                return Map.of();
            }

            @Override
            public boolean loggingEnabled() {
                return false;
            }

            @Override
            public String name() {
                return name;
            }
        };
    }

    /**
     * Registers the action of the processor whose {@code init()} calls this; the action gets the wall-clock time.
     * The store must be connected to that processor.
     */
    @SuppressWarnings("unchecked")
    public static void register(ProcessorContext<?, ?> context, String storeName, LongConsumer action) {
        StateStore store = context.getStateStore(storeName);
        if (!(store instanceof CommitHook hook)) {
            throw new IllegalStateException("store '" + storeName + "' is a " + store.getClass().getName()
                    + ", not a commit hook; add it with CommitHook.builder");
        }
        InternalProcessorContext<Object, Object> internal = (InternalProcessorContext<Object, Object>) context;
        ProcessorNode<?, ?, ?, ?> self = internal.currentNode();
        hook.action = () -> {
            ProcessorNode<?, ?, ?, ?> current = internal.currentNode();
            ProcessorRecordContext recordContext = internal.recordContext();
            long now = internal.currentSystemTimeMs();
            internal.setCurrentNode(self);
            internal.setRecordContext(new ProcessorRecordContext(now, -1L, -1, null, new RecordHeaders()));
            try {
                action.accept(now);
            } finally {
                internal.setRecordContext(recordContext);
                internal.setCurrentNode(current);
            }
        };
    }

    @Override
    public void flushCache() {
        if (action != null) {
            action.run();
        }
    }

    @Override
    public void clearCache() {
        // nothing held: the processor's fields are emptied by its init(), which follows any abort
    }

    @Override
    public boolean setFlushListener(CacheFlushListener<Object, Object> listener, boolean sendOldValues) {
        return false;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void init(StateStoreContext context, StateStore root) {
        context.register(root, (key, value) -> {
        });
        open = true;
    }

    @Override
    public void close() {
        open = false;
        action = null;
    }

    @Override
    public boolean persistent() {
        return false;
    }

    @Override
    public boolean isOpen() {
        return open;
    }
}
