package io.tollgate.gateway.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.gateway.routing.Caller;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.CallStatus;
import io.tollgate.schemas.avro.Endpoint;
import io.tollgate.schemas.avro.ErrorKind;
import io.tollgate.schemas.avro.TokenSource;
import io.tollgate.schemas.avro.UsageEvent;
import java.util.List;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

class UsageWireTest {

    private final Serde<UsageEvent> serde = Topics.forRegistry("mock://usage-wire-test").usage().valueSerde();

    private static AttemptFacts facts(String callId, String keyId) {
        return new AttemptFacts(callId, 1, "gw-1", Endpoint.CHAT_COMPLETIONS,
                new Caller(keyId, "acme", "research", "planner", "tier1", "conv-ü"), "sim-large",
                UsageEventsTest.SIM_LARGE, "simulated", false, false, null, "requested", null, null, null, 900, 100);
    }

    @Test
    void shouldSendTheSpooledBytesUnderTheRegistrysSchemaIdWhenTheEventIsOfThisBuildsSchema() throws Exception {
        // Given events spooled as the request path spools them, one with an id longer than 63 bytes (a 2-byte length)
        List<UsageEvent> events = List.of(
                UsageEvents.request(facts("call-1", "k-1"), 1_800_000_000_000L),
                UsageEvents.response(facts("call-1", "k-1"), new AttemptResult(CallStatus.SUCCESS, ErrorKind.NONE, 200,
                        900, 0, 40, TokenSource.PROVIDER, "sim-large-2026", 12, 3L), 1_800_000_000_012L),
                UsageEvents.request(facts("call-2", "k-2"), 1_800_000_000_020L));
        events.get(2).setEventId("é".repeat(70));
        UsageWire wire = new UsageWire("tollgate.usage.v1", serde.serializer());

        for (UsageEvent event : events) {
            // When
            byte[] spooled = UsageWire.spooled(event);
            UsageWire.Sendable sent = wire.sendable(spooled);

            // Then the spooled bytes are Avro's single-object encoding of the event
            java.nio.ByteBuffer avro = event.toByteBuffer();
            byte[] expected = new byte[avro.remaining()];
            avro.get(expected);
            assertThat(spooled).isEqualTo(expected);

            // Then the value is what the serializer writes, and reads back as the event
            assertThat(sent.value()).isEqualTo(serde.serializer().serialize("tollgate.usage.v1", event));
            assertThat(serde.deserializer().deserialize("tollgate.usage.v1", sent.value())).isEqualTo(event);
            assertThat(sent.eventId()).isEqualTo(event.getEventId());
        }
    }
}
