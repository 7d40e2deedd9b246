package io.tollgate.metering.dlq;

import io.tollgate.metering.metrics.MeteringMetrics;
import io.tollgate.policy.deadletter.DeadLetter;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.apache.kafka.streams.errors.ProductionExceptionHandler;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Metering's error policy for everything the topology does not dead-letter itself: a record that cannot be
 * deserialized (an internal topic written by another version), whose processing throws (a sum that would
 * overflow, reason {@code OVERFLOW}; anything else, {@code PROCESSING}), or whose output cannot be serialized
 * ({@code PRODUCTION}) goes to {@code tollgate.dead-letter.v1} with its source bytes and the usual headers
 * ({@link DeadLetter}), and processing continues with the next record. On the global (policy) thread, which
 * cannot produce through Streams, the dead letter goes through the publisher in {@link #PUBLISHER_CONFIG}
 * instead. Uncaught exceptions beyond these replace the stream thread ({@code MeteringApplication}).
 *
 * <p>A broker refusing a record that was sent (too large, timestamp out of range) cannot be skipped under
 * exactly-once: the transaction aborts and the task retries. Such records are prevented instead: every output is
 * stamped no later than the wall clock and stays small.
 */
public final class StreamsErrorHandler
        implements DeserializationExceptionHandler, ProcessingExceptionHandler, ProductionExceptionHandler {

    /** Streams config key of the {@link MeteringMetrics} to count in (an object, not a string). */
    public static final String METRICS_CONFIG = "tollgate.metering.error.metrics";
    /** Streams config key of a {@code Consumer<DeadLetter>} for dead letters of the global thread. */
    public static final String PUBLISHER_CONFIG = "tollgate.metering.error.publisher";

    private static final Logger LOG = LoggerFactory.getLogger(StreamsErrorHandler.class);

    private String applicationId = "tollgate-metering";
    private MeteringMetrics metrics;
    private Consumer<DeadLetter> outsideStreams = letter -> LOG.warn("dead letter not published: {} {}",
            letter.reason(), letter.detail());

    @Override
    @SuppressWarnings("unchecked")
    public void configure(Map<String, ?> configs) {
        Object id = configs.get(StreamsConfig.APPLICATION_ID_CONFIG);
        if (id != null) {
            applicationId = id.toString();
        }
        if (configs.get(METRICS_CONFIG) instanceof MeteringMetrics m) {
            metrics = m;
        }
        if (configs.get(PUBLISHER_CONFIG) instanceof Consumer<?> publisher) {
            outsideStreams = (Consumer<DeadLetter>) publisher;
        }
    }

    @Override
    public ProcessingExceptionHandler.Response handleError(ErrorHandlerContext context, Record<?, ?> record,
                                                          Exception exception) {
        DeadLetterReason reason = causedBy(exception, ArithmeticException.class) ? DeadLetterReason.OVERFLOW
                : DeadLetterReason.PROCESSING;
        count(reason);
        if (context.sourceRawKey() == null && context.sourceRawValue() == null) {
            // a punctuation: no record to keep; its work is retried at the next one
            LOG.error("punctuation of {} in task {} failed; continuing", context.processorNodeId(), context.taskId(),
                    exception);
            return ProcessingExceptionHandler.Response.resume();
        }
        LOG.error("dead-lettering the record at {}-{}@{} whose processing failed in {} ({})", context.topic(),
                context.partition(), context.offset(), context.processorNodeId(), reason, exception);
        DeadLetter letter = letter(context.sourceRawKey(), context.sourceRawValue(), reason, exception, context.topic(),
                context.partition(), context.offset());
        return ProcessingExceptionHandler.Response.resume(List.of(record(letter, context.headers(), context.timestamp())));
    }

    @Override
    public DeserializationExceptionHandler.Response handleError(ErrorHandlerContext context,
                                                               ConsumerRecord<byte[], byte[]> record, Exception exception) {
        count(DeadLetterReason.DESERIALIZATION);
        LOG.warn("dead-lettering {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), exception.toString());
        DeadLetter letter = letter(record.key(), record.value(), DeadLetterReason.DESERIALIZATION, exception,
                record.topic(), record.partition(), record.offset());
        if (context.taskId() != null && context.taskId().subtopology() < 0) {
            outsideStreams.accept(letter); // the global thread has no record collector to produce with
            return DeserializationExceptionHandler.Response.resume();
        }
        return DeserializationExceptionHandler.Response.resume(List.of(record(letter, record.headers(), record.timestamp())));
    }

    @Override
    public ProductionExceptionHandler.Response handleSerializationError(ErrorHandlerContext context,
                                                                       ProducerRecord record, Exception exception,
                                                                       SerializationExceptionOrigin origin) {
        count(DeadLetterReason.PRODUCTION);
        LOG.error("output to {} of the record at {}-{}@{} cannot be serialized ({}); dead-lettering its source",
                record.topic(), context.topic(), context.partition(), context.offset(), origin, exception);
        if (context.sourceRawKey() == null && context.sourceRawValue() == null) {
            return ProductionExceptionHandler.Response.resume();
        }
        DeadLetter letter = letter(context.sourceRawKey(), context.sourceRawValue(), DeadLetterReason.PRODUCTION,
                exception, context.topic(), context.partition(), context.offset());
        return ProductionExceptionHandler.Response.resume(List.of(record(letter, context.headers(), context.timestamp())));
    }

    @Override
    public ProductionExceptionHandler.Response handleError(ErrorHandlerContext context,
                                                          ProducerRecord<byte[], byte[]> record, Exception exception) {
        count(DeadLetterReason.PRODUCTION);
        LOG.error("the broker refused a record for {} ({}); under exactly-once its transaction aborts and the task"
                + " retries", record.topic(), exception.toString());
        return ProductionExceptionHandler.Response.resume();
    }

    private void count(DeadLetterReason reason) {
        if (metrics != null) {
            metrics.deadLetter(reason);
        }
    }

    private DeadLetter letter(byte[] key, byte[] value, DeadLetterReason reason, Exception exception, String topic,
                              int partition, long offset) {
        return new DeadLetter(key, value, reason.name(), exception.toString(), applicationId, topic, partition, offset);
    }

    /** The dead letter as a record, stamped no later than now. */
    private static ProducerRecord<byte[], byte[]> record(DeadLetter letter, Headers original, long timestamp) {
        long now = System.currentTimeMillis();
        return letter.toProducerRecord(original, timestamp < 0 ? null : Math.min(timestamp, now));
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }
}
