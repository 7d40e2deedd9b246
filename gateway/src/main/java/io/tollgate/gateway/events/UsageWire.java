package io.tollgate.gateway.events;

import io.tollgate.schemas.avro.UsageEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Turns a spooled usage event (Avro single-object encoding, as {@link KafkaEventSink} appends it)
 * into the record value sent to Kafka (Confluent wire format).
 */
public final class UsageWire {

    private final String topic;
    private final Serializer<UsageEvent> serializer;

    public UsageWire(String topic, Serializer<UsageEvent> serializer) {
        this.topic = topic;
        this.serializer = serializer;
    }

    /** The spooled form of {@code event}, written once on the request path. */
    public static byte[] spooled(UsageEvent event) {
        try {
            ByteBuffer encoded = event.toByteBuffer();
            byte[] value = new byte[encoded.remaining()];
            encoded.get(value);
            return value;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode usage event " + event.getEventId(), e);
        }
    }

    /** A spooled event as sent: its id (to tell who waits for it) and the Kafka record value. */
    public record Sendable(String eventId, byte[] value) {
    }

    public Sendable sendable(byte[] spooled) {
        UsageEvent event = decode(spooled);
        return new Sendable(event.getEventId(), serializer.serialize(topic, event));
    }

    private static UsageEvent decode(byte[] spooled) {
        try {
            return UsageEvent.fromByteBuffer(ByteBuffer.wrap(spooled));
        } catch (IOException e) {
            throw new UncheckedIOException("a spooled usage event cannot be read: " + e.getMessage(), e);
        }
    }
}
