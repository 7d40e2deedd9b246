package io.tollgate.metering.topology;

import static io.tollgate.metering.topology.TopologyFixture.request;
import static io.tollgate.metering.topology.TopologyFixture.response;
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
    void shouldDeadLetterEventWhenANameIsTooLongForTheStores() {
        // Given a conversation id far longer than any the gateway writes (the calls and spend stores hold names of
        // at most 65,535 bytes, written at the commit, where a failure would stop the service)
        fx.sendAsIs(UsageEvent.newBuilder(request("c1", "k1", "gpt-4o", T0, 10, 10))
                .setConversationId("c".repeat(70_000)).build());

        // Then it is a dead letter at ingest, counted nowhere
        TestRecord<byte[], byte[]> dead = fx.deadLetters.readRecord();
        assertThat(header(dead.headers(), Topics.DLQ_REASON_HEADER)).isEqualTo("NAME_TOO_LONG");
        assertThat(fx.quotaStatus.isEmpty()).isTrue();
        assertThat(fx.spend.isEmpty()).isTrue();
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
    void shouldCountEachPhaseOnceWhenBothAreDeliveredAgainAfterTheCallEnded() {
        // Given a call whose REQUEST and RESPONSE were counted
        UsageEvent request = request("c1", "k1", "gpt-4o", T0, 100, 10);
        UsageEvent response = response(request, T0.plusSeconds(1), 80, 8);
        fx.send(request);
        fx.send(response);

        // When both are delivered again (a spool replayed), the RESPONSE first
        fx.send(response);
        fx.send(request);

        // Then both repeats are recognised and the day counts the call once
        assertThat(fx.metrics.duplicates()).isEqualTo(2.0);
        var status = TopologyFixture.latest(fx.quotaStatus).get("k1|*");
        assertThat(status.getDayRequests()).isEqualTo(1);
        assertThat(status.getDayTokens()).isEqualTo(80);
    }

    @Test
    void shouldRecogniseARepeatedRequestWhenItFirstCameAfterItsResponse() {
        // Given a RESPONSE counted without its REQUEST, then the REQUEST (which adds nothing)
        UsageEvent request = request("c1", "k1", "gpt-4o", T0, 100, 10);
        fx.send(response(request, T0.plusSeconds(1), 80, 8));
        fx.send(request);
        long requests = TopologyFixture.latest(fx.quotaStatus).get("k1|*").getDayRequests();

        // When the REQUEST is delivered again
        fx.send(request);

        // Then it is a repeat, not a new reservation
        assertThat(fx.metrics.duplicates()).isEqualTo(1.0);
        assertThat(fx.quotaStatus.isEmpty()).isTrue();
        assertThat(requests).isEqualTo(1);
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

    @Test
    void shouldRecogniseARepeatByItsIngestTimeWhenAReplayComesHoursLater() {
        // Given an event counted, and the same event replayed 23 hours later (a spool replayed after an outage)
        UsageEvent event = request("c1", "k1", "gpt-4o", T0, 100, 10);
        fx.send(event);
        fx.advance(java.time.Duration.ofHours(23));
        fx.send(event);

        // Then the replay is a duplicate, whatever the event's own time
        assertThat(fx.metrics.duplicates()).isEqualTo(1.0);
        assertThat(TopologyFixture.latest(fx.quotaStatus).get("k1|*").getDayRequests()).isEqualTo(1);

        // When it comes again after the 24 h dedupe retention, Then it is no longer recognised (the documented bound)
        fx.advance(java.time.Duration.ofHours(2));
        fx.send(event);
        assertThat(fx.metrics.duplicates()).isEqualTo(1.0);
    }

    @Test
    void shouldDeadLetterACostNearLongMaxWhenItsTokensAndPricesCostLittle() {
        UsageEvent req = request("c1", "k1", "gpt-4o", T0, 100, 10);
        fx.send(req);
        UsageEvent wrapped = UsageEvent.newBuilder(io.tollgate.metering.PricedEvents.priced(
                TopologyFixture.response(req, T0.plusSeconds(1), 100, 10))).setCostMicros(Long.MAX_VALUE - 3).build();
        fx.sendAsIs(wrapped);

        TestRecord<byte[], byte[]> dead = fx.deadLetters.readRecord();
        assertThat(header(dead.headers(), Topics.DLQ_REASON_HEADER)).isEqualTo("COST_MISMATCH");
        assertThat(TopologyFixture.latest(fx.spend).get("team:search@2026-11-21").getCostMicros()).isEqualTo(10);
        assertThat(fx.metrics.count(DeadLetterReason.COST_MISMATCH)).isEqualTo(1.0);
    }

    @Test
    void shouldDeadLetterAnEventAndLeaveTheDayTotalsAsTheyWereWhenAddingItWouldOverflow() {
        // Given a day total one step from Long.MAX_VALUE
        var daily = fx.<io.tollgate.metering.daily.DayTotals>store(DailyQuotaTopology.DAILY_STORE);
        var full = new io.tollgate.metering.daily.DayTotals("2026-11-21", T0.toEpochMilli() - 36_000_000,
                T0.toEpochMilli() + 50_400_000, 5, Long.MAX_VALUE - 50);
        daily.put("k1|*@2026-11-21", full);

        // When an event of 100 tokens arrives
        fx.send(request("c1", "k1", "gpt-4o", T0, 100, 10));

        // Then it is dead-lettered as an overflow, and neither day total changed
        TestRecord<byte[], byte[]> dead = fx.deadLetters.readRecord();
        assertThat(header(dead.headers(), Topics.DLQ_REASON_HEADER)).isEqualTo("OVERFLOW");
        assertThat(header(dead.headers(), Topics.DLQ_SOURCE_TOPIC_HEADER)).isEqualTo(Topics.USAGE);
        assertThat(daily.get("k1|*@2026-11-21")).isEqualTo(full);
        assertThat(daily.get("k1|gpt-4o@2026-11-21")).isNull();
        assertThat(fx.metrics.count(DeadLetterReason.OVERFLOW)).isEqualTo(1.0);
    }

    @Test
    void shouldDeadLetterASpendDeltaAndKeepTheTotalWhenAddingItWouldOverflow() {
        // Given the team's day total one step from Long.MAX_VALUE
        var spend = fx.<io.tollgate.metering.spend.SpendState>store(SpendTopology.SPEND_STORE);
        var period = io.tollgate.policy.calendar.Periods.of(io.tollgate.schemas.avro.PeriodType.DAY, T0.toEpochMilli(),
                java.time.ZoneOffset.UTC, 0);
        var full = new io.tollgate.metering.spend.SpendState(io.tollgate.schemas.avro.ScopeType.TEAM, "search",
                io.tollgate.schemas.avro.PeriodType.DAY, "2026-11-21", period.startMillis(), period.endMillis(), "UTC",
                Long.MAX_VALUE - 5, 0, 1, 0, 0, java.util.Map.of(), java.util.Map.of(), 0,
                io.tollgate.metering.spend.SpendNotes.NONE, "acme");
        spend.put("team:search@2026-11-21", full);

        // When a reservation of 10 arrives
        fx.send(request("c1", "k1", "gpt-4o", T0, 100, 10));

        // Then the team's delta is dead-lettered as an overflow and none of the team's totals changed (its month
        // total neither: both periods are computed before either is written); other scopes counted it
        TestRecord<byte[], byte[]> dead = fx.deadLetters.readRecord();
        assertThat(header(dead.headers(), Topics.DLQ_REASON_HEADER)).isEqualTo("OVERFLOW");
        assertThat(spend.get("team:search@2026-11-21")).isEqualTo(full);
        assertThat(spend.get("team:search@2026-11")).isNull();
        assertThat(spend.get("tenant:acme@2026-11-21").costMicros()).isEqualTo(10);
    }

    private static String header(Headers headers, String name) {
        return headers.lastHeader(name) == null ? null
                : Serdes.String().deserializer().deserialize("", headers.lastHeader(name).value());
    }
}
