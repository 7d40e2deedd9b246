package io.tollgate.schemas.serde;

import io.tollgate.schemas.avro.BudgetAlert;
import io.tollgate.schemas.avro.ModelHealth;
import io.tollgate.schemas.avro.Policy;
import io.tollgate.schemas.avro.QuotaStatus;
import io.tollgate.schemas.avro.RoutingCommand;
import io.tollgate.schemas.avro.SpendTotal;
import io.tollgate.schemas.avro.UsageEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.avro.util.RandomData;

/** Deterministic sample records of every top-level type, filled with Avro's RandomData. */
public final class SampleRecords {

    /** Every record type that travels on a topic. */
    public static final List<Class<? extends SpecificRecord>> TYPES = List.of(UsageEvent.class, QuotaStatus.class,
            SpendTotal.class, ModelHealth.class, Policy.class, BudgetAlert.class, RoutingCommand.class);

    private SampleRecords() {
    }

    /** {@code count} records of {@code type}, the same for the same seed. */
    public static <T extends SpecificRecord> List<T> random(Class<T> type, int count, long seed) {
        Schema schema = SpecificData.get().getSchema(type);
        List<T> records = new ArrayList<>();
        // RandomData builds generic records (logical types as raw longs); going through bytes
        // turns them into the generated class with its conversions
        SpecificDatumReader<T> reader = new SpecificDatumReader<>(type);
        GenericDatumWriter<Object> writer = new GenericDatumWriter<>(schema);
        for (Object datum : new RandomData(schema, count, seed)) {
            try {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
                writer.write(datum, encoder);
                encoder.flush();
                records.add(reader.read(null, DecoderFactory.get().binaryDecoder(out.toByteArray(), null)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return records;
    }

    /** The Avro binary encoding of a record by the reference writer, without any framing. */
    public static byte[] avroBinary(SpecificRecord record) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
            new SpecificDatumWriter<SpecificRecord>(record.getSchema()).write(record, encoder);
            encoder.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
