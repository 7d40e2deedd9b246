package io.tollgate.schemas.registry;

import org.apache.avro.Schema;

/**
 * The subset of the Confluent Schema Registry API that Tollgate's serde needs. Implementations:
 * {@link HttpSchemaRegistryClient} ({@code http(s)://...}) and {@link InMemorySchemaRegistry}
 * ({@code mock://scope}). Obtain one with {@link SchemaRegistries#forUrl(String, java.util.Map)}.
 */
public interface SchemaRegistryClient extends AutoCloseable {

    /** Registers {@code schema} under {@code subject}; the same schema again returns the same id. */
    int register(String subject, Schema schema);

    /** The schema with this global id; throws {@link SchemaRegistryException} when unknown. */
    Schema getById(int id);

    /** The id of {@code schema} if it is already registered under {@code subject}. */
    int lookup(String subject, Schema schema);

    /** Whether {@code schema} is compatible with the latest version under {@code subject}. */
    boolean isCompatible(String subject, Schema schema);

    /** Sets the compatibility level (BACKWARD, FORWARD, FULL, NONE, ...) of one subject. */
    void setCompatibility(String subject, String level);

    /** Where this client talks to, for error messages. */
    String url();

    @Override
    default void close() {
    }
}
