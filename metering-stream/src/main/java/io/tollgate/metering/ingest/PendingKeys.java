package io.tollgate.metering.ingest;

import java.util.HashSet;
import java.util.Set;

/**
 * The keys of {@code metering-pending-reservations}, kept in memory by the ingest processor, the store's only writer,
 * so that the REQUEST of a new attempt (nearly every REQUEST) learns that it has no reservation without a store read.
 * Complete from a scan of the store ({@link #scan}: at the processor's {@code init()}, which Streams runs after
 * the task's stores are restored and again for a task revived after an abort, and at each settle check, which reads
 * every entry anyway) plus every put and delete since. The store holds the attempts in flight and the settled or
 * orphan markers of the pending retention, normally a few thousand; past {@code maxKeys} the set is dropped and every
 * lookup reads the store, until a scan finds at most {@code maxKeys} again. Not thread-safe, like its processor.
 */
final class PendingKeys {

    private final int maxKeys;
    /** Every key in the store, or null when there were too many to keep. */
    private Set<String> keys;

    PendingKeys(int maxKeys) {
        if (maxKeys < 1) {
            throw new IllegalArgumentException("maxKeys is " + maxKeys + "; expected at least 1");
        }
        this.maxKeys = maxKeys;
    }

    /** False only when the store certainly has no entry for {@code key}. */
    boolean mayContain(String key) {
        return keys == null || keys.contains(key);
    }

    void added(String key) {
        if (keys != null && keys.add(key) && keys.size() > maxKeys) {
            keys = null;
        }
    }

    void removed(String key) {
        if (keys != null) {
            keys.remove(key);
        }
    }

    /** A read of every key of the store, which replaces the set when it {@linkplain Scan#end ends}. */
    Scan scan() {
        return new Scan();
    }

    /** Collects the keys of one read of the whole store; past {@code maxKeys} it stops collecting. */
    final class Scan {
        private Set<String> scanned = new HashSet<>();

        private Scan() {
        }

        void saw(String key) {
            if (scanned != null && scanned.add(key) && scanned.size() > maxKeys) {
                scanned = null;
            }
        }

        /** The store held exactly the keys seen; call with no write to the store since the read began. */
        void end() {
            keys = scanned;
        }
    }

    /** Whether lookups are answered from memory (for tests and metrics). */
    boolean complete() {
        return keys != null;
    }
}
