package io.tollgate.schemas.registry;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;

/** Remembers ids and schemas so that each is fetched from the remote registry at most once. */
public final class CachingSchemaRegistryClient implements SchemaRegistryClient {

    private final SchemaRegistryClient delegate;
    private final Map<Integer, Schema> schemaById = new ConcurrentHashMap<>();
    private final Map<String, Integer> idBySubjectAndSchema = new ConcurrentHashMap<>();

    public CachingSchemaRegistryClient(SchemaRegistryClient delegate) {
        this.delegate = delegate;
    }

    @Override
    public int register(String subject, Schema schema) {
        return idBySubjectAndSchema.computeIfAbsent(key(subject, schema), k -> {
            int id = delegate.register(subject, schema);
            schemaById.putIfAbsent(id, schema);
            return id;
        });
    }

    @Override
    public Schema getById(int id) {
        return schemaById.computeIfAbsent(id, delegate::getById);
    }

    @Override
    public int lookup(String subject, Schema schema) {
        return idBySubjectAndSchema.computeIfAbsent(key(subject, schema), k -> delegate.lookup(subject, schema));
    }

    @Override
    public boolean isCompatible(String subject, Schema schema) {
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

    @Override
    public void close() {
        delegate.close();
    }

    private static String key(String subject, Schema schema) {
        return subject + '\u0000' + schema.toString();
    }
}
