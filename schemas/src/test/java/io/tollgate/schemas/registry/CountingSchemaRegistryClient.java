package io.tollgate.schemas.registry;

import java.util.concurrent.atomic.AtomicInteger;
import org.apache.avro.Schema;

/** Test double: delegates every call and counts it, to prove the hot path stays off the registry. */
public final class CountingSchemaRegistryClient implements SchemaRegistryClient {

    private final SchemaRegistryClient delegate;
    public final AtomicInteger registers = new AtomicInteger();
    public final AtomicInteger lookups = new AtomicInteger();
    public final AtomicInteger getByIds = new AtomicInteger();
    public final AtomicInteger compatibilityChecks = new AtomicInteger();

    public CountingSchemaRegistryClient(SchemaRegistryClient delegate) {
        this.delegate = delegate;
    }

    public int total() {
        return registers.get() + lookups.get() + getByIds.get() + compatibilityChecks.get();
    }

    @Override
    public int register(String subject, Schema schema) {
        registers.incrementAndGet();
        return delegate.register(subject, schema);
    }

    @Override
    public Schema getById(int id) {
        getByIds.incrementAndGet();
        return delegate.getById(id);
    }

    @Override
    public int lookup(String subject, Schema schema) {
        lookups.incrementAndGet();
        return delegate.lookup(subject, schema);
    }

    @Override
    public boolean isCompatible(String subject, Schema schema) {
        compatibilityChecks.incrementAndGet();
        return delegate.isCompatible(subject, schema);
    }

    @Override
    public void setCompatibility(String subject, String level) {
        delegate.setCompatibility(subject, level);
    }

    @Override
    public String url() {
        return delegate.url();
    }
}
