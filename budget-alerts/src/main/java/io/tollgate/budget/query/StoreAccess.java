package io.tollgate.budget.query;

import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Read access to the topology's key-value stores by name: the running KafkaStreams instance in
 * production, the TopologyTestDriver in tests. Throws InvalidStateStoreException while stores are
 * not queryable (starting, rebalancing).
 */
@FunctionalInterface
public interface StoreAccess {
    <V> ReadOnlyKeyValueStore<String, V> store(String name);
}
