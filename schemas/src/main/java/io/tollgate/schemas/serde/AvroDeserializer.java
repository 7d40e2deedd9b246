package io.tollgate.schemas.serde;

import io.tollgate.schemas.registry.SchemaRegistries;
import io.tollgate.schemas.registry.SchemaRegistryClient;
import io.tollgate.schemas.registry.SchemaRegistryException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads Confluent-framed Avro into a generated type, resolving the writer schema (by id, cached)
 * against the reader schema of {@code type}, so older and newer writers are both understood.
 */
public final class AvroDeserializer<T extends SpecificRecord> implements Deserializer<T> {

    private static final ThreadLocal<BinaryDecoder> DECODER = new ThreadLocal<>();

    private final Class<T> type;
    private final Schema readerSchema;
    private final Map<Integer, SpecificDatumReader<T>> readers = new ConcurrentHashMap<>();
    private SchemaRegistryClient registry;

    public AvroDeserializer(Class<T> type) {
        this.type = type;
        this.readerSchema = SpecificData.get().getSchema(type);
    }

    /** For tests and embedded use: a deserializer bound to a given registry client. */
    public AvroDeserializer(Class<T> type, SchemaRegistryClient registry) {
        this(type);
        this.registry = registry;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        this.registry = SchemaRegistries.fromConfig(configs);
    }

    @Override
    public T deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        if (registry == null) {
            throw new SerializationException("AvroDeserializer for topic '" + topic + "' is not configured: set '"
                    + AvroSerdeConfig.SCHEMA_REGISTRY_URL + "'");
        }
        ByteBuffer buffer = ByteBuffer.wrap(data);
        int id = WireFormat.readHeader(topic, buffer);
        SpecificDatumReader<T> reader = readers.computeIfAbsent(id, this::readerFor);
        BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(data, buffer.position(), buffer.remaining(), DECODER.get());
        DECODER.set(decoder);
        try {
            T value = reader.read(null, decoder);
            if (!decoder.isEnd()) {
                throw new SerializationException("record on topic '" + topic + "' with schema id " + id
                        + " has trailing bytes after the Avro payload");
            }
            return value;
        } catch (IOException | RuntimeException e) {
            if (e instanceof SerializationException se) {
                throw se;
            }
            throw new SerializationException("cannot read " + type.getSimpleName() + " from topic '" + topic
                    + "' with writer schema id " + id + ": " + e, e);
        }
    }

    private SpecificDatumReader<T> readerFor(int id) {
        Schema writer;
        try {
            writer = registry.getById(id);
        } catch (SchemaRegistryException e) {
            // "unknown" only when the registry said so; an outage must not read as a bad record
            String what = e.reason() == SchemaRegistryException.Reason.NOT_FOUND ? "unknown schema id " + id + " at "
                    : "cannot fetch writer schema id " + id + " from ";
            throw new SerializationException(what + registry.url() + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw new SerializationException("writer schema id " + id + " from " + registry.url()
                    + " cannot be used: " + e.getMessage(), e);
        }
        if (!writer.getFullName().equals(readerSchema.getFullName())) {
            throw new SerializationException("schema id " + id + " is " + writer.getFullName() + ", not "
                    + readerSchema.getFullName() + " that this deserializer reads");
        }
        return new SpecificDatumReader<>(writer, readerSchema);
    }

    @Override
    public void close() {
    }
}
