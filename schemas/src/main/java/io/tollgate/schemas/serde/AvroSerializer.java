package io.tollgate.schemas.serde;

import io.tollgate.schemas.registry.SchemaRegistries;
import io.tollgate.schemas.registry.SchemaRegistryClient;
import io.tollgate.schemas.registry.SchemaRegistryException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes a generated Avro record in Confluent's wire format. The schema id is resolved once per
 * (subject, schema) and cached, so the hot path never calls the registry after first use.
 */
public final class AvroSerializer<T extends SpecificRecord> implements Serializer<T> {

    private static final ThreadLocal<BinaryEncoder> ENCODER = new ThreadLocal<>();

    /** Schema id per writer schema; one serializer writes one subject, so the schema alone is the key. */
    private final Map<Schema, Integer> idBySchema = new ConcurrentHashMap<>();
    private final Map<Schema, DatumWriter<T>> writers = new ConcurrentHashMap<>();
    private SchemaRegistryClient registry;
    private boolean isKey;
    private boolean autoRegister = true;

    public AvroSerializer() {
    }

    /** For tests and embedded use: a serializer bound to a given registry client. */
    public AvroSerializer(SchemaRegistryClient registry, boolean isKey, boolean autoRegister) {
        this.registry = registry;
        this.isKey = isKey;
        this.autoRegister = autoRegister;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        this.registry = SchemaRegistries.fromConfig(configs);
        this.isKey = isKey;
        Object auto = configs.get(AvroSerdeConfig.AUTO_REGISTER_SCHEMAS);
        this.autoRegister = auto == null || Boolean.parseBoolean(auto.toString());
    }

    @Override
    public byte[] serialize(String topic, T record) {
        if (record == null) {
            return null;
        }
        if (registry == null) {
            throw new SerializationException("AvroSerializer for topic '" + topic + "' is not configured: set '"
                    + AvroSerdeConfig.SCHEMA_REGISTRY_URL + "'");
        }
        Schema schema = record.getSchema();
        String subject = topic + (isKey ? "-key" : "-value");
        // keyed by the schema itself (not its name), so two versions of a record never share an id
        int id = idBySchema.computeIfAbsent(schema, s -> resolveId(subject, s));
        ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        out.write(WireFormat.MAGIC_BYTE);
        out.write(id >>> 24);
        out.write(id >>> 16);
        out.write(id >>> 8);
        out.write(id);
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, ENCODER.get());
        ENCODER.set(encoder);
        try {
            writers.computeIfAbsent(schema, SpecificDatumWriter::new).write(record, encoder);
            encoder.flush();
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot write " + schema.getFullName() + " for topic '" + topic
                    + "': " + e.getMessage(), e);
        }
        return out.toByteArray();
    }

    private int resolveId(String subject, Schema schema) {
        try {
            return autoRegister ? registry.register(subject, schema) : registry.lookup(subject, schema);
        } catch (SchemaRegistryException e) {
            throw new SerializationException("cannot get a schema id for subject '" + subject + "' from "
                    + registry.url() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        // the registry client is shared per URL; SchemaRegistries owns its lifetime
    }
}
