package io.tollgate.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.CallStatus;
import io.tollgate.schemas.avro.Endpoint;
import io.tollgate.schemas.avro.ErrorKind;
import io.tollgate.schemas.avro.Phase;
import io.tollgate.schemas.avro.TokenSource;
import io.tollgate.schemas.avro.UsageEvent;
import io.tollgate.schemas.registry.InMemorySchemaRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class UsageEventReaderTest {

    static final String TOPIC = Topics.USAGE;
    static final Schema SCHEMA = UsageEvent.getClassSchema();

    InMemorySchemaRegistry registry;
    AvroSerializer<UsageEvent> serializer;
    AvroDeserializer<UsageEvent> deserializer;

    @BeforeEach
    void setUp() {
        registry = new InMemorySchemaRegistry("mock://usage-event-reader-test");
        serializer = new AvroSerializer<>(registry, false, true);
        deserializer = new AvroDeserializer<>(UsageEvent.class, registry);
    }

    /** What Avro's resolving reader makes of a payload: the reference the fast path must equal. */
    static UsageEvent resolving(Schema writer, byte[] payload) {
        try {
            return new SpecificDatumReader<UsageEvent>(writer, SCHEMA).read(null,
                    DecoderFactory.get().binaryDecoder(payload, null));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] payload(byte[] framed) {
        return Arrays.copyOfRange(framed, WireFormat.HEADER_SIZE, framed.length);
    }

    static int id(byte[] framed) {
        return ByteBuffer.wrap(framed, 1, 4).getInt();
    }

    @Nested
    class Layout {

        @Test
        void shouldDecodeEveryFieldOfTheGeneratedUsageEventWhenTheSchemaIsToday() {
            // a field added to UsageEvent.avsc fails here until UsageEventReader decodes it
            assertThat(UsageEventReader.LAYOUT.mismatch(SCHEMA)).isEmpty();
            assertThat(UsageEventReader.LAYOUT.fields()).extracting(RecordLayout.Field::name)
                    .containsExactlyElementsOf(SCHEMA.getFields().stream().map(Schema.Field::name).toList());
        }

        @Test
        void shouldNameTheFieldWhenTheSchemaHasOneMoreAtTheEnd() {
            Schema longer = new Schema.Parser().parse(SCHEMA.toString().replaceFirst("]}$",
                    ",{\"name\":\"added\",\"type\":\"long\",\"default\":0}]}"));

            assertThat(UsageEventReader.LAYOUT.mismatch(longer)).hasValueSatisfying(
                    m -> assertThat(m).contains("does not decode field 46 'added'"));
        }

        @Test
        void shouldRefuseTheSchemaWhenAnEnumGainedASymbol() {
            Schema newer = new Schema.Parser().parse(SCHEMA.toString()
                    .replace("\"symbols\":[\"REQUEST\",\"RESPONSE\"]", "\"symbols\":[\"REQUEST\",\"RESPONSE\",\"HEARTBEAT\"]"));

            assertThat(UsageEventReader.LAYOUT.mismatch(newer)).hasValueSatisfying(
                    m -> assertThat(m).contains("field 'phase'"));
        }

        @Test
        void shouldRefuseTheSchemaWhenAFieldChangedType() {
            Schema changed = new Schema.Parser().parse(SCHEMA.toString()
                    .replace("{\"name\":\"httpStatus\",\"type\":\"int\"", "{\"name\":\"httpStatus\",\"type\":\"long\""));

            assertThat(UsageEventReader.LAYOUT.mismatch(changed)).hasValueSatisfying(
                    m -> assertThat(m).contains("field 'httpStatus'").contains("INT"));
        }
    }

    @Nested
    class RoundTrip {

        @Test
        void shouldEqualTheResolvingReaderAndTheOriginalWhenReadingManyRandomEvents() {
            // Given events covering nulls, defaults, extremes, unicode and every enum symbol
            List<UsageEvent> events = RandomUsageEvents.of(2_000, 42);

            for (UsageEvent event : events) {
                // When written by the project's serializer and read by both paths
                byte[] framed = serializer.serialize(TOPIC, event);
                UsageEvent fast = deserializer.deserialize(TOPIC, framed);
                UsageEvent reference = resolving(SCHEMA, payload(framed));

                // Then
                assertThat(fast).isEqualTo(reference).isEqualTo(event);
                assertThat(fast.getTimestamp()).isEqualTo(event.getTimestamp());
            }
            assertThat(deserializer.readsExactly(id(serializer.serialize(TOPIC, events.get(0))))).isTrue();
        }

        @Test
        void shouldCoverEveryEnumSymbolAndNullWhenGeneratingRandomEvents() {
            List<UsageEvent> events = RandomUsageEvents.of(2_000, 42);

            assertThat(events).extracting(UsageEvent::getPhase).contains(Phase.values());
            assertThat(events).extracting(UsageEvent::getEndpoint).contains(Endpoint.values());
            assertThat(events).extracting(UsageEvent::getTokenSource).contains(TokenSource.values());
            assertThat(events).extracting(UsageEvent::getStatus).contains(CallStatus.values());
            assertThat(events).extracting(UsageEvent::getErrorKind).contains(ErrorKind.values());
            assertThat(events).extracting(UsageEvent::getConversationId).containsNull();
            assertThat(events).extracting(UsageEvent::getComplexityScore).containsNull();
            assertThat(events).extracting(UsageEvent::getTimeToFirstTokenMs).containsNull()
                    .contains(Long.MIN_VALUE, Long.MAX_VALUE);
            assertThat(events).extracting(UsageEvent::getTenant).anySatisfy(t -> assertThat(t).contains("\u0000"))
                    .anySatisfy(t -> assertThat(t.codePoints()).anyMatch(Character::isSupplementaryCodePoint));
        }

        @Test
        void shouldShareOneStringInstanceWhenALowCardinalityValueRepeats() {
            UsageEvent first = RandomUsageEvents.of(1, 1).get(0);
            UsageEvent second = RandomUsageEvents.of(1, 2).get(0);
            second.setTenant(new String(first.getTenant()));
            second.setModel(new String(first.getRequestedModel()));

            UsageEvent a = deserializer.deserialize(TOPIC, serializer.serialize(TOPIC, first));
            UsageEvent b = deserializer.deserialize(TOPIC, serializer.serialize(TOPIC, second));

            assertThat(b.getTenant()).isEqualTo(first.getTenant()).isSameAs(a.getTenant());
            assertThat(b.getModel()).isSameAs(a.getRequestedModel());
        }

        @Test
        void shouldNotShareTheEventIdWhenItRepeats() {
            UsageEvent event = RandomUsageEvents.of(1, 3).get(0);
            byte[] framed = serializer.serialize(TOPIC, event);

            assertThat(deserializer.deserialize(TOPIC, framed).getEventId())
                    .isNotSameAs(deserializer.deserialize(TOPIC, framed).getEventId());
        }

        @Test
        void shouldGiveEqualRecordsWhenManyThreadsShareOneDeserializer() {
            List<UsageEvent> events = RandomUsageEvents.of(400, 7);
            List<byte[]> framed = events.stream().map(e -> serializer.serialize(TOPIC, e)).toList();

            List<Boolean> equal = IntStream.range(0, 8).parallel().boxed()
                    .flatMap(t -> IntStream.range(0, events.size()).mapToObj(
                            i -> deserializer.deserialize(TOPIC, framed.get((i + t * 50) % events.size()))
                                    .equals(events.get((i + t * 50) % events.size()))))
                    .toList();

            assertThat(equal).hasSize(8 * events.size()).containsOnly(true);
        }
    }

    @Nested
    class SameSchema {

        @Test
        void shouldUseTheFastReaderWhenTheWriterSchemaDiffersOnlyInDocsAndProperties() {
            // Given today's schema as a registry may hand it back: without Java string properties and docs
            String json = SCHEMA.toString().replace(",\"avro.java.string\":\"String\"", "")
                    .replaceAll(",\"doc\":\"[^\"]*\"", "");
            Schema plain = new Schema.Parser().parse(json);
            assertThat(plain).isNotEqualTo(SCHEMA);
            AvroDeserializer<UsageEvent> reader = new AvroDeserializer<>(UsageEvent.class, AvroSerdeTest.fixedId(77, plain));
            UsageEvent event = RandomUsageEvents.of(1, 13).get(0);

            // When / Then
            assertThat(reader.deserialize(TOPIC, AvroSerdeTest.frame(77, SampleRecords.avroBinary(event)))).isEqualTo(event);
            assertThat(reader.readsExactly(77)).isTrue();
        }

        @Test
        void shouldUseTheResolvingReaderWhenTheWriterOrdersTheFieldsOtherwise() {
            // Given a writer with the same fields, the last two swapped: same names, other bytes
            Schema.Field[] fields = SCHEMA.getFields().stream().map(f -> new Schema.Field(f, f.schema()))
                    .toArray(Schema.Field[]::new);
            Schema.Field last = fields[fields.length - 1];
            fields[fields.length - 1] = fields[fields.length - 2];
            fields[fields.length - 2] = last;
            Schema swapped = Schema.createRecord(SCHEMA.getName(), null, SCHEMA.getNamespace(), false, List.of(fields));
            AvroDeserializer<UsageEvent> reader = new AvroDeserializer<>(UsageEvent.class, AvroSerdeTest.fixedId(78, swapped));
            UsageEvent event = RandomUsageEvents.of(1, 14).get(0);
            event.setUsageNote("note");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            try {
                BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
                GenericData.Record record = new GenericData.Record(swapped);
                swapped.getFields().forEach(f -> record.put(f.name(), event.get(f.name())));
                new GenericDatumWriter<GenericData.Record>(swapped, SpecificData.getForClass(UsageEvent.class))
                        .write(record, encoder);
                encoder.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }

            // When / Then
            assertThat(reader.deserialize(TOPIC, AvroSerdeTest.frame(78, out.toByteArray()))).isEqualTo(event);
            assertThat(reader.readsExactly(78)).isFalse();
        }
    }

    @Nested
    class OlderWriter {

        @Test
        void shouldResolveWithDefaultsWhenTheWriterUsedTheReleasedSchema() throws IOException {
            // Given the released UsageEvent, which lacks the fields added since
            Schema released = new Schema.Parser().parse(Path.of("src/test/resources/released/UsageEvent.avsc").toFile());
            assertThat(released.getFields()).hasSizeLessThan(SCHEMA.getFields().size());
            int id = registry.register(TOPIC + "-value", released);

            for (UsageEvent event : RandomUsageEvents.of(200, 11)) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
                new SpecificDatumWriter<UsageEvent>(released, SpecificData.getForClass(UsageEvent.class)).write(event, encoder);
                encoder.flush();
                byte[] payload = out.toByteArray();

                // When
                UsageEvent read = deserializer.deserialize(TOPIC, AvroSerdeTest.frame(id, payload));

                // Then it went through the resolving reader and reads as it always did
                assertThat(read).isEqualTo(resolving(released, payload));
                assertThat(read.getContextWindow()).isZero();
                assertThat(read.getUsageNote()).isNull();
            }
            assertThat(deserializer.readsExactly(id)).isFalse();
        }

        @Test
        void shouldUseTheResolvingReaderWhenTheWriterHasAFieldMore() {
            // Given a newer writer: today's schema with a defaulted field at the end
            Schema newer = new Schema.Parser().parse(SCHEMA.toString().replaceFirst("]}$",
                    ",{\"name\":\"added\",\"type\":\"string\",\"default\":\"\"}]}"));
            int id = registry.register(TOPIC + "-value", newer);
            UsageEvent event = RandomUsageEvents.of(1, 12).get(0);
            byte[] payload = Arrays.copyOf(SampleRecords.avroBinary(event), SampleRecords.avroBinary(event).length + 4);
            payload[payload.length - 4] = 6; // "abc"
            payload[payload.length - 3] = 'a';
            payload[payload.length - 2] = 'b';
            payload[payload.length - 1] = 'c';

            // When / Then the extra field is skipped, not taken for trailing bytes
            assertThat(deserializer.deserialize(TOPIC, AvroSerdeTest.frame(id, payload))).isEqualTo(event);
            assertThat(deserializer.readsExactly(id)).isFalse();
        }
    }

    @Nested
    class Malformed {

        UsageEvent event;
        List<byte[]> fields;
        int id;

        @BeforeEach
        void encodeFieldByField() {
            event = RandomUsageEvents.of(1, 5).get(0);
            event.setConversationId(null);
            id = id(serializer.serialize(TOPIC, event));
            fields = FieldBytes.of(event);
            assertThat(deserializer.readsExactly(id)).isTrue();
            assertThat(deserializer.deserialize(TOPIC, frame(fields))).isEqualTo(event);
        }

        byte[] frame(List<byte[]> parts) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            parts.forEach(out::writeBytes);
            return AvroSerdeTest.frame(id, out.toByteArray());
        }

        byte[] with(String field, int... bytes) {
            List<byte[]> parts = new ArrayList<>(fields);
            byte[] replaced = new byte[bytes.length];
            for (int i = 0; i < bytes.length; i++) {
                replaced[i] = (byte) bytes[i];
            }
            parts.set(SCHEMA.getField(field).pos(), replaced);
            return frame(parts);
        }

        void assertRefused(byte[] framed, String problem) {
            assertThatThrownBy(() -> deserializer.deserialize(TOPIC, framed))
                    .isInstanceOf(SerializationException.class)
                    .hasMessageContaining("cannot read UsageEvent from topic '" + TOPIC + "' with writer schema id " + id)
                    .hasMessageContaining(problem);
        }

        @Test
        void shouldRefuseAUnionBranchBeyondNullAndStringWhenReadingConversationId() {
            assertRefused(with("conversationId", 4), "union branch index 2 out of range 0..1");
            assertRefused(with("conversationId", 1), "union branch index -1 out of range 0..1");
        }

        @Test
        void shouldRefuseAnEnumIndexBeyondTheSymbolsWhenReadingPhaseOrErrorKind() {
            assertRefused(with("phase", 4), "Phase index 2 out of range 0..1");
            assertRefused(with("errorKind", 16), "ErrorKind index 8 out of range 0..7");
            assertRefused(with("status", 1), "CallStatus index -1 out of range 0..3");
        }

        @Test
        void shouldRefuseANegativeOrOversizedStringLengthWhenReadingTenant() {
            assertRefused(with("tenant", 1), "negative string length -1");
            assertRefused(with("tenant", 0xd0, 0x0f), "truncated string: length 1000");
            assertRefused(with("tenant", 0xfe, 0xff, 0xff, 0xff, 0x0f), "truncated string: length 2147483647");
        }

        @Test
        void shouldRefuseAVarintThatOverflowsWhenReadingAnIntOrALong() {
            assertRefused(with("attempt", 0xff, 0xff, 0xff, 0xff, 0x1f), "int varint overflows 32 bits");
            assertRefused(with("attempt", 0x80, 0x80, 0x80, 0x80, 0x80, 0x00), "int varint longer than 5 bytes");
            assertRefused(with("costMicros", 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x03),
                    "long varint overflows 64 bits");
            assertRefused(with("costMicros", 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00),
                    "long varint longer than 10 bytes");
        }

        @Test
        void shouldReadTheLargestVarintsWhenTheyFitTheirType() {
            assertThat(deserializer.deserialize(TOPIC, with("attempt", 0xfe, 0xff, 0xff, 0xff, 0x0f)).getAttempt())
                    .isEqualTo(Integer.MAX_VALUE);
            assertThat(deserializer.deserialize(TOPIC, with("attempt", 0xff, 0xff, 0xff, 0xff, 0x0f)).getAttempt())
                    .isEqualTo(Integer.MIN_VALUE);
            assertThat(deserializer.deserialize(TOPIC,
                    with("costMicros", 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01)).getCostMicros())
                    .isEqualTo(Long.MIN_VALUE);
        }

        @Test
        void shouldDecodeInvalidUtf8AsAvroDoesWhenAStringHoldsBadBytes() {
            // Given a lone continuation byte and a truncated two-byte sequence, in a shared and an unshared field
            byte[] badTenant = with("tenant", 4, 0x80, 0xc3);
            List<byte[]> parts = new ArrayList<>(fields);
            parts.set(SCHEMA.getField("eventId").pos(), new byte[] {6, 'a', (byte) 0xff, 'b'});
            byte[] badEventId = frame(parts);

            // When / Then both read as Avro's resolving reader reads them (replacement characters)
            for (byte[] framed : List.of(badTenant, badEventId, badTenant)) {
                UsageEvent fast = deserializer.deserialize(TOPIC, framed);
                assertThat(fast).isEqualTo(resolving(SCHEMA, payload(framed)));
            }
            assertThat(deserializer.deserialize(TOPIC, badTenant).getTenant()).isEqualTo("\uFFFD\uFFFD");
        }

        @Test
        void shouldRefuseABooleanByteOtherThanZeroOrOneWhenReadingStream() {
            assertRefused(with("stream", 2), "boolean byte is 2; expected 0 or 1");
        }

        @Test
        void shouldRefuseTrailingBytesWhenThePayloadIsLongerThanTheRecord() {
            byte[] framed = frame(fields);
            byte[] longer = Arrays.copyOf(framed, framed.length + 2);

            assertRefused(longer, "2 trailing bytes after the record");
        }

        @Test
        void shouldRefuseThePayloadWhenItIsTruncatedAnywhere() {
            byte[] framed = frame(fields);

            for (int keep = WireFormat.HEADER_SIZE; keep < framed.length; keep++) {
                assertRefused(Arrays.copyOf(framed, keep), "truncated");
            }
        }
    }

    /** Each field of a UsageEvent in Avro binary on its own; concatenated they are the record. */
    static final class FieldBytes {

        static List<byte[]> of(UsageEvent event) {
            List<byte[]> parts = new ArrayList<>();
            for (Schema.Field field : SCHEMA.getFields()) {
                try {
                    ByteArrayOutputStream out = new ByteArrayOutputStream();
                    BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
                    new GenericDatumWriter<>(field.schema(), SpecificData.getForClass(UsageEvent.class))
                            .write(event.get(field.pos()), encoder);
                    encoder.flush();
                    parts.add(out.toByteArray());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return parts;
        }
    }
}
