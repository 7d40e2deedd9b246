package io.tollgate.policy.deadletter;

import io.tollgate.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * One record refused by a service, as it goes to {@code tollgate.dead-letter.v1}: the original key and
 * value bytes, and why and where from in the {@code tollgate.dlq.*} headers ({@link Topics}). Every
 * service builds its dead letters here, so an operator reads one format whichever service refused.
 *
 * @param reason      machine-readable reason, e.g. {@code KEY_MISMATCH} (an enum name of the refusing service)
 * @param detail      a sentence for people: the value, what was expected
 * @param application the refusing application (Streams application id, {@code tollgate-gateway}, {@code tollgate-cli})
 * @param topic       source topic; null when the record did not come from a topic
 * @param partition   source partition, -1 when unknown
 * @param offset      source offset, -1 when unknown
 */
public record DeadLetter(byte[] key, byte[] value, String reason, String detail, String application, String topic,
                         int partition, long offset) {

    public DeadLetter {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(application, "application");
        detail = detail == null ? "" : detail;
    }

    /** The dead-letter headers, added to {@code original} (the source record's own headers are kept). */
    public Headers headers(Headers original) {
        RecordHeaders headers = new RecordHeaders();
        if (original != null) {
            for (Header h : original) {
                if (!h.key().startsWith("tollgate.dlq.")) {
                    headers.add(h);
                }
            }
        }
        put(headers, Topics.DLQ_REASON_HEADER, reason);
        put(headers, Topics.DLQ_DETAIL_HEADER, detail);
        put(headers, Topics.DLQ_APPLICATION_HEADER, application);
        if (topic != null) {
            put(headers, Topics.DLQ_SOURCE_TOPIC_HEADER, topic);
            put(headers, Topics.DLQ_SOURCE_PARTITION_HEADER, Integer.toString(partition));
            put(headers, Topics.DLQ_SOURCE_OFFSET_HEADER, Long.toString(offset));
        }
        return headers;
    }

    /** The record to produce; {@code timestamp} null lets the producer stamp it (never a time from the record). */
    public ProducerRecord<byte[], byte[]> toProducerRecord(Headers original, Long timestamp) {
        return new ProducerRecord<>(Topics.DEAD_LETTER, null, timestamp, key, value, headers(original));
    }

    /** Reads one dead-letter header as text, or null when absent. */
    public static String header(Headers headers, String name) {
        Header h = headers.lastHeader(name);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static void put(RecordHeaders headers, String name, String value) {
        headers.remove(name);
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
