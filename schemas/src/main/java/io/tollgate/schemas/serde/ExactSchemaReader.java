package io.tollgate.schemas.serde;

/**
 * A hand-written reader of one generated type, for payloads written with exactly the generated class's
 * schema: no schema resolution, no intermediate {@code Utf8}s. {@link AvroDeserializer} uses it only when
 * the writer schema has the same parsing canonical form as the reader schema, and only if {@link #layout()}
 * matches the generated class's schema; every other writer goes through Avro's resolving reader.
 */
interface ExactSchemaReader<T> {

    /** The fields this reader decodes, in order; checked against the generated class's schema. */
    RecordLayout layout();

    /** Decodes one record; the cursor is left after it. Malformed input is a {@link MalformedAvroException}. */
    T read(BinaryCursor in);
}
