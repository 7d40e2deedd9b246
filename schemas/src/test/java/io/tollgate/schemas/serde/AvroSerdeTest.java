package io.tollgate.schemas.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.SpendTotal;
import io.tollgate.schemas.avro.UsageEvent;
import io.tollgate.schemas.registry.CountingSchemaRegistryClient;
import io.tollgate.schemas.registry.FakeRegistryServer;
import io.tollgate.schemas.registry.InMemorySchemaRegistry;
import io.tollgate.schemas.registry.SchemaRegistries;
import io.tollgate.schemas.registry.SchemaRegistryClient;
import io.tollgate.schemas.registry.SchemaRegistryException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

class AvroSerdeTest {

    static final String SCOPE = "avro-serde-test";
    static final String URL = "mock://" + SCOPE;
    static final String TOPIC = Topics.USAGE;

    static final List<Class<? extends SpecificRecord>> TYPES = SampleRecords.TYPES;

    @AfterEach
    void dropScope() {
        SchemaRegistries.dropScope(SCOPE);
    }

    static UsageEvent usage(long seed) {
        return SampleRecords.random(UsageEvent.class, 1, seed).get(0);
    }

    static byte[] frame(int id, byte[] payload) {
        return ByteBuffer.allocate(5 + payload.length).put((byte) 0).putInt(id).put(payload).array();
    }

    /** A registry that answers every registration with one fixed id. */
    static SchemaRegistryClient fixedId(int id, Schema schema) {
        return new SchemaRegistryClient() {
            public int register(String subject, Schema s) {
                return id;
            }

            public Schema getById(int requested) {
                if (requested != id) {
                    throw new SchemaRegistryException(SchemaRegistryException.Reason.NOT_FOUND, "no id " + requested);
                }
                return schema;
            }

            public int lookup(String subject, Schema s) {
                return id;
            }

            public boolean isCompatible(String subject, Schema s) {
                return true;
            }

            public void setCompatibility(String subject, String level) {
            }

            public String url() {
                return "fixed://" + id;
            }
        };
    }

    @Nested
    class WireFormatBytes {

        @Test
        void shouldWriteMagicByteBigEndianIdAndReferenceAvroBinaryWhenSerializing() {
            // Given an id whose four bytes differ, so byte order shows
            UsageEvent event = usage(1);
            AvroSerializer<UsageEvent> serializer = new AvroSerializer<>(fixedId(0x01020304, UsageEvent.getClassSchema()), false, true);

            // When
            byte[] bytes = serializer.serialize(TOPIC, event);

            // Then
            assertThat(Arrays.copyOfRange(bytes, 0, 5)).containsExactly(0x00, 0x01, 0x02, 0x03, 0x04);
            assertThat(Arrays.copyOfRange(bytes, 5, bytes.length)).isEqualTo(SampleRecords.avroBinary(event));
        }

        @Test
        void shouldReadAFrameWrittenByHandWhenTheIdIsKnown() {
            // Given bytes framed independently of the serializer
            UsageEvent event = usage(2);
            byte[] bytes = frame(0x7f000001, SampleRecords.avroBinary(event));
            AvroDeserializer<UsageEvent> deserializer =
                    new AvroDeserializer<>(UsageEvent.class, fixedId(0x7f000001, UsageEvent.getClassSchema()));

            // When / Then
            assertThat(deserializer.deserialize(TOPIC, bytes)).isEqualTo(event);
        }

        @Test
        void shouldUseTheIdTheRegistryAssignedWhenFramingThroughMock() {
            Serde<UsageEvent> serde = Topics.forRegistry(URL).usage().valueSerde();

            byte[] bytes = serde.serializer().serialize(TOPIC, usage(3));

            int id = SchemaRegistries.inMemory(SCOPE).lookup(TOPIC + "-value", UsageEvent.getClassSchema());
            assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).isEqualTo(id);
        }

        @Test
        void shouldPassNullThroughWhenTheValueIsATombstone() {
            Serde<UsageEvent> serde = Topics.forRegistry(URL).usage().valueSerde();

            assertThat(serde.serializer().serialize(TOPIC, null)).isNull();
            assertThat(serde.deserializer().deserialize(TOPIC, null)).isNull();
        }
    }

    @Nested
    class RoundTrip {

        @ParameterizedTest(name = "{0}")
        @FieldSource("io.tollgate.schemas.serde.AvroSerdeTest#TYPES")
        void shouldRoundTripEveryRecordTypeWhenUsingTheMockRegistry(Class<? extends SpecificRecord> type) {
            roundTrip(type);
        }

        private <T extends SpecificRecord> void roundTrip(Class<T> type) {
            // Given
            Serde<T> serde = Topics.forRegistry(URL).valueSerde(type);
            List<T> records = SampleRecords.random(type, 25, type.getName().hashCode());

            // When / Then
            for (T record : records) {
                byte[] bytes = serde.serializer().serialize("topic-" + type.getSimpleName(), record);
                assertThat(serde.deserializer().deserialize("topic-" + type.getSimpleName(), bytes)).isEqualTo(record);
            }
            assertThat(SchemaRegistries.inMemory(SCOPE).subjects()).contains("topic-" + type.getSimpleName() + "-value");
        }

        @Test
        void shouldRegisterUnderTheKeySubjectWhenConfiguredAsKeySerde() {
            AvroSerde<SpendTotal> serde = new AvroSerde<>(SpendTotal.class);
            serde.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL, URL), true);
            SpendTotal total = SampleRecords.random(SpendTotal.class, 1, 5).get(0);

            byte[] bytes = serde.serializer().serialize("t", total);

            assertThat(SchemaRegistries.inMemory(SCOPE).subjects()).containsExactly("t-key");
            assertThat(serde.deserializer().deserialize("t", bytes)).isEqualTo(total);
        }
    }

    @Nested
    class Evolution {

        /** UsageEvent as it was before latencyMs and the (defaulted) fields after it were added. */
        static Schema olderUsageSchema() {
            Schema current = UsageEvent.getClassSchema();
            List<Schema.Field> fields = new ArrayList<>();
            for (Schema.Field field : current.getFields()) {
                if (field.name().equals("latencyMs")) {
                    break;
                }
                fields.add(new Schema.Field(field, field.schema()));
            }
            return Schema.createRecord(current.getName(), current.getDoc(), current.getNamespace(), false, fields);
        }

        @Test
        void shouldFillDefaultsWhenTheWriterUsedAnOlderSchema() throws IOException {
            // Given an event written with the older schema (its fields are a prefix of today's)
            Schema older = olderUsageSchema();
            InMemorySchemaRegistry registry = SchemaRegistries.inMemory(SCOPE);
            int olderId = registry.register(TOPIC + "-value", older);
            UsageEvent event = usage(7);
            event.setLatencyMs(1234L);
            event.setTimeToFirstTokenMs(99L);
            event.setSubAgent("sub");
            event.setRoutingFeatures("systems:3");
            event.setContextWindow(128_000);
            event.setMaxOutputTokens(16_384);
            event.setUsageNote("provider usage refused");
            ByteArrayOutputStream payload = new ByteArrayOutputStream();
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(payload, null);
            new SpecificDatumWriter<UsageEvent>(older).write(event, encoder);
            encoder.flush();

            // When the current reader reads it
            UsageEvent read = new AvroDeserializer<>(UsageEvent.class, registry)
                    .deserialize(TOPIC, frame(olderId, payload.toByteArray()));

            // Then the new fields take their defaults and the rest is intact
            assertThat(read.getLatencyMs()).isZero();
            assertThat(read.getTimeToFirstTokenMs()).isNull();
            assertThat(read.getSubAgent()).isNull();
            assertThat(read.getRoutingFeatures()).isNull();
            assertThat(read.getContextWindow()).isZero();
            assertThat(read.getMaxOutputTokens()).isZero();
            assertThat(read.getUsageNote()).isNull();
            event.setLatencyMs(0L);
            event.setTimeToFirstTokenMs(null);
            event.setSubAgent(null);
            event.setRoutingFeatures(null);
            event.setContextWindow(0);
            event.setMaxOutputTokens(0);
            event.setUsageNote(null);
            assertThat(read).isEqualTo(event);
        }

        @Test
        void shouldRegisterTheCurrentSchemaWhenAnOlderOneIsAlreadyRegistered() {
            InMemorySchemaRegistry registry = SchemaRegistries.inMemory(SCOPE);
            int olderId = registry.register(TOPIC + "-value", olderUsageSchema());

            byte[] bytes = Topics.forRegistry(URL).usage().valueSerde().serializer().serialize(TOPIC, usage(8));

            assertThat(ByteBuffer.wrap(bytes, 1, 4).getInt()).isNotEqualTo(olderId);
            assertThat(registry.versions(TOPIC + "-value")).containsExactly(1, 2);
        }
    }

    @Nested
    class Errors {

        @Test
        void shouldNameTheByteWhenTheMagicByteIsUnknown() {
            Serde<UsageEvent> serde = Topics.forRegistry(URL).usage().valueSerde();

            assertThatThrownBy(() -> serde.deserializer().deserialize(TOPIC, new byte[] {1, 0, 0, 0, 1, 2}))
                    .isInstanceOf(SerializationException.class)
                    .hasMessageContaining("starts with byte 0x01").hasMessageContaining("magic byte 0x00")
                    .hasMessageContaining(TOPIC);
        }

        @Test
        void shouldSayHowShortWhenTheRecordIsShorterThanTheHeader() {
            Serde<UsageEvent> serde = Topics.forRegistry(URL).usage().valueSerde();

            assertThatThrownBy(() -> serde.deserializer().deserialize(TOPIC, new byte[] {0, 0, 1}))
                    .isInstanceOf(SerializationException.class)
                    .hasMessageContaining("has 3 bytes").hasMessageContaining("at least 5");
        }

        @Test
        void shouldNameTheIdAndRegistryWhenTheSchemaIdIsUnknown() {
            Serde<UsageEvent> serde = Topics.forRegistry(URL).usage().valueSerde();

            assertThatThrownBy(() -> serde.deserializer().deserialize(TOPIC, frame(9999, new byte[] {2})))
                    .isInstanceOf(SerializationException.class)
                    .hasMessageContaining("unknown schema id 9999").hasMessageContaining(URL);
        }

        @Test
        void shouldNameBothTypesWhenTheIdIsAnotherRecordType() {
            int spendId = SchemaRegistries.inMemory(SCOPE).register("x-value", SpendTotal.getClassSchema());
            Serde<UsageEvent> serde = Topics.forRegistry(URL).usage().valueSerde();

            assertThatThrownBy(() -> serde.deserializer().deserialize(TOPIC, frame(spendId, new byte[] {2})))
                    .isInstanceOf(SerializationException.class)
                    .hasMessageContaining("io.tollgate.schemas.avro.SpendTotal, not io.tollgate.schemas.avro.UsageEvent");
        }

        @Test
        void shouldRefuseTrailingBytesWhenThePayloadIsLongerThanTheRecord() {
            Serde<UsageEvent> serde = Topics.forRegistry(URL).usage().valueSerde();
            byte[] bytes = serde.serializer().serialize(TOPIC, usage(9));
            byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);

            assertThatThrownBy(() -> serde.deserializer().deserialize(TOPIC, longer))
                    .isInstanceOf(SerializationException.class).hasMessageContaining("trailing bytes");
        }

        @Test
        void shouldNameTheTypeWhenThePayloadIsTruncated() {
            Serde<UsageEvent> serde = Topics.forRegistry(URL).usage().valueSerde();
            byte[] bytes = serde.serializer().serialize(TOPIC, usage(10));

            assertThatThrownBy(() -> serde.deserializer().deserialize(TOPIC, Arrays.copyOf(bytes, 8)))
                    .isInstanceOf(SerializationException.class).hasMessageContaining("cannot read UsageEvent");
        }

        @Test
        void shouldNameTheUrlWhenTheRegistryIsUnreachable() throws IOException {
            // Given a port nobody listens on
            int port;
            try (ServerSocket socket = new ServerSocket(0)) {
                port = socket.getLocalPort();
            }
            String url = "http://127.0.0.1:" + port;
            Serde<UsageEvent> serde = Topics.forRegistry(url).usage().valueSerde();

            // When / Then: both directions say where they tried
            assertThatThrownBy(() -> serde.serializer().serialize(TOPIC, usage(11)))
                    .isInstanceOf(SerializationException.class)
                    .hasMessageContaining(url).hasMessageContaining("unreachable");
            assertThatThrownBy(() -> serde.deserializer().deserialize(TOPIC, frame(1, new byte[] {2})))
                    .isInstanceOf(SerializationException.class)
                    .hasMessageContaining("cannot fetch writer schema id 1 from " + url)
                    .hasMessageNotContaining("unknown schema id");
        }

        @Test
        void shouldSayIncompatibleWhenTheMockRegistryRefusesTheSchema() {
            // Given the subject holds a schema today's UsageEvent cannot read (no eventId, which has no default)
            Schema other = new Schema.Parser().parse("""
                    {"type":"record","name":"UsageEvent","namespace":"io.tollgate.schemas.avro",
                     "fields":[{"name":"other","type":"string"}]}""");
            SchemaRegistries.inMemory(SCOPE).register(TOPIC + "-value", other);
            Serde<UsageEvent> serde = Topics.forRegistry(URL).usage().valueSerde();

            assertThatThrownBy(() -> serde.serializer().serialize(TOPIC, usage(12)))
                    .isInstanceOf(SerializationException.class)
                    .hasMessageContaining("incompatible").hasMessageContaining(TOPIC + "-value")
                    .hasRootCauseInstanceOf(SchemaRegistryException.class);
        }

        @Test
        void shouldReport409WhenTheHttpRegistryRefusesTheSchema() throws IOException {
            try (FakeRegistryServer server = new FakeRegistryServer()) {
                server.answerNext(409, "{\"error_code\":409,\"message\":\"Schema being registered is incompatible\"}");
                Serde<UsageEvent> serde = Topics.forRegistry(server.url()).usage().valueSerde();

                assertThatThrownBy(() -> serde.serializer().serialize(TOPIC, usage(13)))
                        .isInstanceOf(SerializationException.class)
                        .hasMessageContaining("answered 409").hasMessageContaining("is incompatible")
                        .hasMessageContaining(server.url())
                        .cause().isInstanceOfSatisfying(SchemaRegistryException.class,
                                e -> assertThat(e.reason()).isEqualTo(SchemaRegistryException.Reason.INCOMPATIBLE));
            }
        }

        @Test
        void shouldReport401WhenTheHttpRegistryRefusesTheCredentials() throws IOException {
            try (FakeRegistryServer server = new FakeRegistryServer()) {
                server.answerNext(401, "{\"error_code\":40101,\"message\":\"Unauthorized\"}");
                Serde<UsageEvent> serde = Topics.withSerdeConfig(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL, server.url(),
                        AvroSerdeConfig.BASIC_AUTH_USER_INFO, "user:wrong")).usage().valueSerde();

                assertThatThrownBy(() -> serde.serializer().serialize(TOPIC, usage(14)))
                        .isInstanceOf(SerializationException.class)
                        .hasMessageContaining("answered 401").hasMessageContaining("Unauthorized")
                        .cause().isInstanceOfSatisfying(SchemaRegistryException.class,
                                e -> assertThat(e.reason()).isEqualTo(SchemaRegistryException.Reason.UNAUTHORIZED));
            }
        }

        @Test
        void shouldNameTheMissingSettingWhenNotConfigured() {
            assertThatThrownBy(() -> new AvroSerializer<UsageEvent>().serialize(TOPIC, usage(15)))
                    .isInstanceOf(SerializationException.class).hasMessageContaining(AvroSerdeConfig.SCHEMA_REGISTRY_URL);
            assertThatThrownBy(() -> new AvroDeserializer<>(UsageEvent.class).deserialize(TOPIC, new byte[5]))
                    .isInstanceOf(SerializationException.class).hasMessageContaining(AvroSerdeConfig.SCHEMA_REGISTRY_URL);
        }

        @Test
        void shouldFailClearlyWhenAutoRegisterIsOffAndTheSchemaIsAbsent() {
            AvroSerde<UsageEvent> serde = new AvroSerde<>(UsageEvent.class);
            serde.configure(Map.of(AvroSerdeConfig.SCHEMA_REGISTRY_URL, URL, AvroSerdeConfig.AUTO_REGISTER_SCHEMAS, "false"), false);

            assertThatThrownBy(() -> serde.serializer().serialize(TOPIC, usage(16)))
                    .isInstanceOf(SerializationException.class)
                    .hasMessageContaining("cannot get a schema id for subject '" + TOPIC + "-value'")
                    .hasMessageContaining("not registered");
        }
    }

    @Nested
    class Caching {

        @Test
        void shouldCallTheRegistryOnceWhenSerializingAndDeserializingManyRecords() {
            // Given
            CountingSchemaRegistryClient counting = new CountingSchemaRegistryClient(new InMemorySchemaRegistry("mock://counting"));
            AvroSerializer<UsageEvent> serializer = new AvroSerializer<>(counting, false, true);
            AvroDeserializer<UsageEvent> deserializer = new AvroDeserializer<>(UsageEvent.class, counting);
            List<UsageEvent> events = SampleRecords.random(UsageEvent.class, 200, 17);

            // When
            for (UsageEvent event : events) {
                assertThat(deserializer.deserialize(TOPIC, serializer.serialize(TOPIC, event))).isEqualTo(event);
            }

            // Then
            assertThat(counting.registers).hasValue(1);
            assertThat(counting.getByIds).hasValue(1);
            assertThat(counting.total()).isEqualTo(2);
        }

        @Test
        void shouldLookUpOnceWhenAutoRegisterIsOff() {
            InMemorySchemaRegistry registry = new InMemorySchemaRegistry("mock://lookup");
            registry.register(TOPIC + "-value", UsageEvent.getClassSchema());
            CountingSchemaRegistryClient counting = new CountingSchemaRegistryClient(registry);
            AvroSerializer<UsageEvent> serializer = new AvroSerializer<>(counting, false, false);

            for (UsageEvent event : SampleRecords.random(UsageEvent.class, 50, 18)) {
                serializer.serialize(TOPIC, event);
            }

            assertThat(counting.lookups).hasValue(1);
            assertThat(counting.registers).hasValue(0);
        }

        @Test
        void shouldStopCallingTheHttpRegistryAfterFirstUseWhenRoundTripping() throws IOException {
            try (FakeRegistryServer server = new FakeRegistryServer()) {
                // Given one round trip, which may call the registry
                Serde<UsageEvent> serde = Topics.forRegistry(server.url()).usage().valueSerde();
                serde.deserializer().deserialize(TOPIC, serde.serializer().serialize(TOPIC, usage(19)));
                int afterFirstUse = server.requests().size();

                // When many more records pass, through this serde and a second one sharing the URL
                Serde<UsageEvent> second = Topics.forRegistry(server.url()).usage().valueSerde();
                for (UsageEvent event : SampleRecords.random(UsageEvent.class, 100, 20)) {
                    second.deserializer().deserialize(TOPIC, serde.serializer().serialize(TOPIC, event));
                }

                // Then the registry heard nothing more
                assertThat(afterFirstUse).isBetween(1, 2);
                assertThat(server.requests()).hasSize(afterFirstUse);
            }
        }
    }
}
