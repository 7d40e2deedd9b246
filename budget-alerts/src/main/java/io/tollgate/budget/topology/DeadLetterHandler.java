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
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records that cannot be deserialized (not Avro, unknown schema id), or whose processing throws,
 * go to tollgate.dead-letter.v1 with their original bytes and the reason in headers, and
 * processing continues: one bad record must not stop budgets for everyone (a failing record
 * would otherwise kill the stream thread again on every retry).
 */
public final class DeadLetterHandler implements DeserializationExceptionHandler, ProcessingExceptionHandler {

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
    public ProcessingExceptionHandler.Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        LOG.error("dead-lettering the record at {}-{}@{} whose processing failed in {}", context.topic(), context.partition(),
                context.offset(), context.processorNodeId(), exception);
        if (context.sourceRawValue() == null && context.sourceRawKey() == null) {
            return ProcessingExceptionHandler.Response.resume(); // e.g. a punctuation: nothing to keep
        }
        RecordHeaders headers = new RecordHeaders();
        DeadLetters.put(headers, Topics.DLQ_REASON_HEADER, "processing-failed");
        DeadLetters.put(headers, Topics.DLQ_DETAIL_HEADER, exception.toString());
        DeadLetters.put(headers, Topics.DLQ_APPLICATION_HEADER, applicationId);
        DeadLetters.put(headers, Topics.DLQ_SOURCE_TOPIC_HEADER, String.valueOf(context.topic()));
        DeadLetters.put(headers, Topics.DLQ_SOURCE_PARTITION_HEADER, Integer.toString(context.partition()));
        DeadLetters.put(headers, Topics.DLQ_SOURCE_OFFSET_HEADER, Long.toString(context.offset()));
        return ProcessingExceptionHandler.Response.resume(List.of(new ProducerRecord<>(Topics.DEAD_LETTER, null,
                context.timestamp() >= 0 ? context.timestamp() : null, context.sourceRawKey(), context.sourceRawValue(), headers)));
    }

    @Override
    public DeserializationExceptionHandler.Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record,
                                                               Exception exception) {
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
        return DeserializationExceptionHandler.Response.resume(List.of(new ProducerRecord<>(Topics.DEAD_LETTER, null, timestamp,
                record.key(), record.value(), headers)));
    }
}
