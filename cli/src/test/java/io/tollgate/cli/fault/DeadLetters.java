package io.tollgate.cli.fault;

import io.tollgate.policy.deadletter.DeadLetter;
import io.tollgate.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/** The dead-letter topic as a test reads it: who refused which source record, and why. */
public final class DeadLetters implements AutoCloseable {

    /** One dead letter: the record's origin (topic, partition, offset), why, and which application refused it. */
    public record Letter(String sourceTopic, int sourcePartition, long sourceOffset, String reason, String application,
                         String key, String detail) {

        boolean isFrom(RecordMetadata source) {
            return source.topic().equals(sourceTopic) && source.partition() == sourcePartition
                    && source.offset() == sourceOffset;
        }
    }

    private final RawTopic topic;

    public DeadLetters(FaultStack stack) {
        this.topic = new RawTopic(stack.connection(), Topics.DEAD_LETTER);
    }

    public List<Letter> all() {
        return topic.records().stream().map(DeadLetters::letter).toList();
    }

    /** The dead letters of the record written at {@code source}. */
    public List<Letter> of(RecordMetadata source) {
        return all().stream().filter(l -> l.isFrom(source)).toList();
    }

    private static Letter letter(ConsumerRecord<byte[], byte[]> r) {
        String partition = DeadLetter.header(r.headers(), Topics.DLQ_SOURCE_PARTITION_HEADER);
        String offset = DeadLetter.header(r.headers(), Topics.DLQ_SOURCE_OFFSET_HEADER);
        return new Letter(DeadLetter.header(r.headers(), Topics.DLQ_SOURCE_TOPIC_HEADER),
                partition == null ? -1 : Integer.parseInt(partition), offset == null ? -1 : Long.parseLong(offset),
                DeadLetter.header(r.headers(), Topics.DLQ_REASON_HEADER),
                DeadLetter.header(r.headers(), Topics.DLQ_APPLICATION_HEADER),
                r.key() == null ? null : new String(r.key(), StandardCharsets.UTF_8),
                DeadLetter.header(r.headers(), Topics.DLQ_DETAIL_HEADER));
    }

    @Override
    public void close() {
        topic.close();
    }
}
