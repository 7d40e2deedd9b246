package io.tollgate.budget.topology;

import io.tollgate.schemas.Topics;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records that cannot be deserialized (not Avro, unknown schema id) go to tollgate.dead-letter.v1
 * with their original bytes and the reason in headers, and processing continues: one bad record
 * must not stop budgets for everyone.
 */
public final class DeadLetterHandler implements DeserializationExceptionHandler {

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterHandler.class);

    private String applicationId = "tollgate-budget-alerts";

    @Override
    public void configure(Map<String, ?> configs) {
        Object id = configs.get(StreamsConfig.APPLICATION_ID_CONFIG);
        if (id != null) {
            applicationId = id.toString();
        }
    }

    @Override
    public Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record, Exception exception) {
        LOG.warn("dead-lettering {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), exception.toString());
        RecordHeaders headers = new RecordHeaders(record.headers().toArray());
        DeadLetters.put(headers, Topics.DLQ_REASON_HEADER, "deserialization-failed");
        DeadLetters.put(headers, Topics.DLQ_DETAIL_HEADER, String.valueOf(exception.getMessage()));
        DeadLetters.put(headers, Topics.DLQ_APPLICATION_HEADER, applicationId);
        DeadLetters.put(headers, Topics.DLQ_SOURCE_TOPIC_HEADER, record.topic());
        DeadLetters.put(headers, Topics.DLQ_SOURCE_PARTITION_HEADER, Integer.toString(record.partition()));
        DeadLetters.put(headers, Topics.DLQ_SOURCE_OFFSET_HEADER, Long.toString(record.offset()));
        // a record without a timestamp (-1) gets the producer's time rather than failing the handler
        Long timestamp = record.timestamp() >= 0 ? record.timestamp() : null;
        return Response.resume(List.of(new ProducerRecord<>(Topics.DEAD_LETTER, null, timestamp,
                record.key(), record.value(), headers)));
    }
}
