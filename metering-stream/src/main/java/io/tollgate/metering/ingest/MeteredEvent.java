package io.tollgate.metering.ingest;

import io.tollgate.schemas.avro.Phase;
import io.tollgate.schemas.avro.UsageEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A usage event accepted for counting, with the two times the aggregations need besides its own timestamp.
 *
 * @param periodTime the instant whose day/month the event is attributed to: for a RESPONSE, its REQUEST's
 *                   time when known, so a call that straddles midnight settles the day it reserved on
 * @param streamTime the highest event time seen on the input partition so far (this event included)
 */
public record MeteredEvent(UsageEvent event, long periodTime, long streamTime) {

    public boolean isRequest() {
        return event.getPhase() == Phase.REQUEST;
    }

    /** Requests this event adds: one per REQUEST, none for the RESPONSE that settles it. */
    public long requestDelta() {
        return isRequest() ? 1 : 0;
    }

    /** Tokens this event adds: the reservation, or the correction (actual - reserved, possibly negative). */
    public long tokenDelta() {
        return isRequest() ? event.getReservedTokens() : event.getTotalTokens() - event.getReservedTokens();
    }

    /** Cost this event adds: the reserved cost, or the correction. */
    public long costDelta() {
        return isRequest() ? event.getReservedCostMicros() : event.getCostMicros() - event.getReservedCostMicros();
    }

    /** Change of open reservations: a REQUEST opens its reservation, the RESPONSE closes it. */
    public long inFlightDelta() {
        return isRequest() ? event.getReservedCostMicros() : -event.getReservedCostMicros();
    }

    /**
     * Serde for internal repartition topics: two longs then Avro single-object encoding (schema
     * fingerprint, no registry round-trip), since only this application reads these topics.
     */
    public static Serde<MeteredEvent> serde() {
        Serializer<MeteredEvent> serializer = (topic, value) -> {
            if (value == null) {
                return null;
            }
            try {
                ByteBuffer avro = value.event().toByteBuffer();
                ByteBuffer out = ByteBuffer.allocate(16 + avro.remaining());
                out.putLong(value.periodTime()).putLong(value.streamTime()).put(avro);
                return out.array();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
        Deserializer<MeteredEvent> deserializer = (topic, data) -> {
            if (data == null) {
                return null;
            }
            ByteBuffer in = ByteBuffer.wrap(data);
            long periodTime = in.getLong();
            long streamTime = in.getLong();
            try {
                return new MeteredEvent(UsageEvent.fromByteBuffer(in.slice()), periodTime, streamTime);
            } catch (IOException e) {
                throw new SerializationException("internal topic '" + topic + "' holds an unreadable metered event", e);
            }
        };
        return Serdes.serdeFrom(serializer, deserializer);
    }
}
