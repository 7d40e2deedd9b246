package io.tollgate.metering.topology;

import static io.tollgate.metering.topology.TopologyFixture.request;
import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.metering.dlq.DeadLetterReason;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.Phase;
import io.tollgate.schemas.avro.UsageEvent;
import io.tollgate.schemas.registry.SchemaRegistries;
import io.tollgate.schemas.serde.WireFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class IngestTopologyTest {

    private static final Instant T0 = Instant.parse("2026-11-21T10:00:00Z");
    private final TopologyFixture fx = new TopologyFixture();

    @AfterEach
    void close() {
        fx.close();
    }

    @Test
    void shouldDeadLetterUndeserializableValueAndKeepCountingWhenValueIsGarbage() {
        // Given a record that is not Confluent-framed Avro, followed by a valid event
        byte[] garbage = "not avro".getBytes(StandardCharsets.UTF_8);
        fx.rawUsage.pipeInput(new TestRecord<>("k1".getBytes(StandardCharsets.UTF_8), garbage, T0));
        fx.send(request("c1", "k1", "gpt-4o", T0, 100, 10));

        // Then the garbage is a dead letter with its original bytes and where it came from
        TestRecord<byte[], byte[]> dead = fx.deadLetters.readRecord();
        assertThat(dead.value()).isEqualTo(garbage);
        assertThat(new String(dead.key(), StandardCharsets.UTF_8)).isEqualTo("k1");
        assertThat(header(dead.headers(), Topics.DLQ_REASON_HEADER)).isEqualTo("DESERIALIZATION");
        assertThat(header(dead.headers(), Topics.DLQ_DETAIL_HEADER)).contains("magic byte");
        assertThat(header(dead.headers(), Topics.DLQ_SOURCE_TOPIC_HEADER)).isEqualTo(Topics.USAGE);
        assertThat(header(dead.headers(), Topics.DLQ_SOURCE_PARTITION_HEADER)).isEqualTo("0");
        assertThat(header(dead.headers(), Topics.DLQ_SOURCE_OFFSET_HEADER)).isEqualTo("0");
        assertThat(fx.metrics.count(DeadLetterReason.DESERIALIZATION)).isEqualTo(1.0);
        // and the valid event after it is counted
        assertThat(TopologyFixture.latest(fx.quotaStatus).get("k1|*").getDayTokens()).isEqualTo(100);
    }

    @Test
    void shouldDeadLetterRecordWhenKeyIsMissing() {
        // Given a valid event without a record key
        UsageEvent event = request("c1", "k1", "gpt-4o", T0, 100, 10);
        byte[] value = fx.topics.usage().valueSerde().serializer().serialize(Topics.USAGE, event);
        fx.rawUsage.pipeInput(new TestRecord<>(null, value, T0));

        // Then it is a dead letter and nothing is counted
        assertThat(header(fx.deadLetters.readRecord().headers(), Topics.DLQ_REASON_HEADER)).isEqualTo("MISSING_KEY");
        assertThat(fx.quotaStatus.isEmpty()).isTrue();
        assertThat(fx.metrics.count(DeadLetterReason.MISSING_KEY)).isEqualTo(1.0);
    }

    @Test
    void shouldDeadLetterRecordWhenKeyDiffersFromApiKeyId() {
        UsageEvent event = request("c1", "k1", "gpt-4o", T0, 100, 10);
        fx.usage.pipeInput(new TestRecord<>("k2", event, T0));

        assertThat(header(fx.deadLetters.readRecord().headers(), Topics.DLQ_REASON_HEADER)).isEqualTo("KEY_MISMATCH");
        assertThat(fx.quotaStatus.isEmpty()).isTrue();
    }

    @Test
    void shouldDeadLetterRequestWhenReservedTokensAreNegative() {
        fx.sendAsIs(request("c1", "k1", "gpt-4o", T0, -5, 10));

        TestRecord<byte[], byte[]> dead = fx.deadLetters.readRecord();
        assertThat(header(dead.headers(), Topics.DLQ_REASON_HEADER)).isEqualTo("NEGATIVE");
        assertThat(header(dead.headers(), Topics.DLQ_DETAIL_HEADER)).contains("reservedPromptTokens is -2");
        assertThat(fx.quotaStatus.isEmpty()).isTrue();
        assertThat(fx.metrics.count(DeadLetterReason.NEGATIVE)).isEqualTo(1.0);
    }

    @Test
    void shouldDeadLetterEventWhenPhaseIsUnknownToThisReader() throws IOException {
        // Given an event written by a newer producer whose Phase enum has a symbol this service does not know
        Schema newer = new Schema.Parser().parse(UsageEvent.getClassSchema().toString()
                .replace("\"symbols\":[\"REQUEST\",\"RESPONSE\"]", "\"symbols\":[\"REQUEST\",\"RESPONSE\",\"HEARTBEAT\"]"));
        assertThat(newer.getField("phase").schema().getEnumSymbols()).contains("HEARTBEAT");
        int id = SchemaRegistries.forUrl("mock://" + fx.scope).register(Topics.USAGE + "-value", newer);
        GenericRecord record = new GenericData.Record(newer);
        for (Schema.Field f : newer.getFields()) {
            if (f.hasDefaultValue()) {
                record.put(f.name(), GenericData.get().getDefaultValue(f));
            }
        }
        for (String f : new String[] {"eventId", "callId", "apiKeyId", "tenant", "team", "agent", "requestedModel", "model"}) {
            record.put(f, "k1");
        }
        record.put("phase", new GenericData.EnumSymbol(newer.getField("phase").schema(), "HEARTBEAT"));
        record.put("timestamp", T0.toEpochMilli());
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(WireFormat.MAGIC_BYTE);
        out.write(ByteBuffer.allocate(4).putInt(id).array());
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(newer).write(record, encoder);
        encoder.flush();

        // When it arrives
        fx.rawUsage.pipeInput(new TestRecord<>("k1".getBytes(StandardCharsets.UTF_8), out.toByteArray(), T0));

        // Then it is a dead letter for its phase, not a generic deserialization failure
        assertThat(header(fx.deadLetters.readRecord().headers(), Topics.DLQ_REASON_HEADER)).isEqualTo("UNKNOWN_PHASE");
        assertThat(fx.metrics.count(DeadLetterReason.UNKNOWN_PHASE)).isEqualTo(1.0);
    }

    @Test
    void shouldCountRepeatedEventIdOnceWhenEventIsDeliveredTwice() {
        UsageEvent event = request("c1", "k1", "gpt-4o", T0, 100, 10);
        fx.send(event);
        fx.send(event);

        assertThat(fx.quotaStatus.readKeyValuesToList()).hasSize(2); // one event: (k1|gpt-4o) and (k1|*)
        assertThat(fx.metrics.duplicates()).isEqualTo(1.0);
        assertThat(fx.deadLetters.isEmpty()).isTrue();
    }

    @Test
    void shouldCountLateEventInItsOwnDayWhenItIsFarBehindThePartitionsEventTime() {
        // Given an event, then one dated an hour before it on the same partition
        fx.send(request("c1", "k1", "gpt-4o", T0.plusSeconds(3600), 100, 10));
        fx.send(request("c2", "k1", "gpt-4o", T0, 50, 10));

        // Then both count in the day's totals, and nothing is a dead letter
        assertThat(TopologyFixture.latest(fx.quotaStatus).get("k1|*").getDayTokens()).isEqualTo(150);
        assertThat(fx.deadLetters.isEmpty()).isTrue();
        assertThat(fx.metrics.reassignedCount()).isZero();
    }

    @Test
    void shouldCountRepeatOnceWhenDuplicateAlsoArrivesAfterNewerEvents() {
        UsageEvent first = request("c1", "k1", "gpt-4o", T0, 100, 10);
        fx.send(first);
        fx.send(request("c2", "k1", "gpt-4o", T0.plusSeconds(5), 1, 1));
        fx.send(first);

        assertThat(TopologyFixture.latest(fx.quotaStatus).get("k1|*").getDayRequests()).isEqualTo(2);
        assertThat(fx.metrics.duplicates()).isEqualTo(1.0);
        assertThat(Phase.REQUEST).isEqualTo(first.getPhase());
    }

    private static String header(Headers headers, String name) {
        return headers.lastHeader(name) == null ? null
                : Serdes.String().deserializer().deserialize("", headers.lastHeader(name).value());
    }
}
