package io.tollgate.schemas.serde;

/**
 * A payload that is not valid Avro binary for the schema an {@link ExactSchemaReader} reads;
 * {@link AvroDeserializer} turns it into a {@code SerializationException} naming the topic and schema id.
 */
final class MalformedAvroException extends RuntimeException {

    MalformedAvroException(String problem) {
        super(problem, null, false, false);
    }
}
