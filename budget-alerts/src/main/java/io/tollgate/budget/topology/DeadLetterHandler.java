package io.tollgate.budget.topology;

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
 * budget-alerts' error policy (the same as metering-stream's): a record that cannot be deserialized
 * ({@code DESERIALIZATION}), whose processing throws (an overflowing sum, {@code OVERFLOW}; anything
 * else, {@code PROCESSING}), or whose output cannot be serialized ({@code PRODUCTION}) goes to
 * tollgate.dead-letter.v1 with its source bytes and the usual headers ({@link DeadLetter}), and
 * processing continues: one bad record must not stop budgets for everyone (a failing record would
 * otherwise kill the stream thread again on every retry). On the global (policy) thread, which
 * cannot produce through Streams, the dead letter goes through the publisher in
 * {@link #PUBLISHER_CONFIG} instead. Uncaught exceptions beyond these replace the stream thread.
 */
public final class DeadLetterHandler
        implements DeserializationExceptionHandler, ProcessingExceptionHandler, ProductionExceptionHandler {

    /** Streams config key of the {@link TopologyMetrics} to count in (an object). */
    public static final String METRICS_CONFIG = "tollgate.budget.error.metrics";
    /** Streams config key of a {@code Consumer<DeadLetter>} for dead letters of the global thread. */
    public static final String PUBLISHER_CONFIG = "tollgate.budget.error.publisher";

    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterHandler.class);

    private String applicationId = "tollgate-budget-alerts";
    private TopologyMetrics metrics;
    private Consumer<DeadLetter> outsideStreams = letter -> LOG.warn("dead letter not published: {} {}",
            letter.reason(), letter.detail());

    @Override
    @SuppressWarnings("unchecked")
    public void configure(Map<String, ?> configs) {
        Object id = configs.get(StreamsConfig.APPLICATION_ID_CONFIG);
        if (id != null) {
            applicationId = id.toString();
        }
        if (configs.get(METRICS_CONFIG) instanceof TopologyMetrics m) {
            metrics = m;
        }
        if (configs.get(PUBLISHER_CONFIG) instanceof Consumer<?> publisher) {
            outsideStreams = (Consumer<DeadLetter>) publisher;
        }
    }

    @Override
    public ProcessingExceptionHandler.Response handleError(ErrorHandlerContext context, Record<?, ?> record, Exception exception) {
        String reason = causedBy(exception, ArithmeticException.class) ? "OVERFLOW" : "PROCESSING";
        count(reason);
        if (context.sourceRawValue() == null && context.sourceRawKey() == null) {
            LOG.error("punctuation of {} in task {} failed; continuing", context.processorNodeId(), context.taskId(),
                    exception);
            return ProcessingExceptionHandler.Response.resume(); // a punctuation: nothing to keep
        }
        LOG.error("dead-lettering the record at {}-{}@{} whose processing failed in {} ({})", context.topic(),
                context.partition(), context.offset(), context.processorNodeId(), reason, exception);
        DeadLetter letter = new DeadLetter(context.sourceRawKey(), context.sourceRawValue(), reason, exception.toString(),
                applicationId, context.topic(), context.partition(), context.offset());
        return ProcessingExceptionHandler.Response.resume(List.of(record(letter, context.headers(), context.timestamp())));
    }

    @Override
    public DeserializationExceptionHandler.Response handleError(ErrorHandlerContext context, ConsumerRecord<byte[], byte[]> record,
                                                               Exception exception) {
        count("DESERIALIZATION");
        LOG.warn("dead-lettering {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), exception.toString());
        DeadLetter letter = new DeadLetter(record.key(), record.value(), "DESERIALIZATION",
                String.valueOf(exception.getMessage()), applicationId, record.topic(), record.partition(), record.offset());
        if (context != null && context.taskId() != null && context.taskId().subtopology() < 0) {
            outsideStreams.accept(letter); // the global thread has no record collector to produce with
            return DeserializationExceptionHandler.Response.resume();
        }
        return DeserializationExceptionHandler.Response.resume(List.of(record(letter, record.headers(), record.timestamp())));
    }

    @Override
    public ProductionExceptionHandler.Response handleSerializationError(ErrorHandlerContext context, ProducerRecord record,
                                                                       Exception exception, SerializationExceptionOrigin origin) {
        count("PRODUCTION");
        LOG.error("output to {} of the record at {}-{}@{} cannot be serialized ({}); dead-lettering its source",
                record.topic(), context.topic(), context.partition(), context.offset(), origin, exception);
        if (context.sourceRawKey() == null && context.sourceRawValue() == null) {
            return ProductionExceptionHandler.Response.resume();
        }
        DeadLetter letter = new DeadLetter(context.sourceRawKey(), context.sourceRawValue(), "PRODUCTION",
                exception.toString(), applicationId, context.topic(), context.partition(), context.offset());
        return ProductionExceptionHandler.Response.resume(List.of(record(letter, context.headers(), context.timestamp())));
    }

    @Override
    public ProductionExceptionHandler.Response handleError(ErrorHandlerContext context, ProducerRecord<byte[], byte[]> record,
                                                          Exception exception) {
        count("PRODUCTION");
        LOG.error("the broker refused a record for {} ({}); under exactly-once its transaction aborts and the task"
                + " retries", record.topic(), exception.toString());
        return ProductionExceptionHandler.Response.resume();
    }

    private void count(String reason) {
        if (metrics != null) {
            metrics.handled(reason);
        }
    }

    /** The dead letter as a record, stamped no later than now; a record without a timestamp gets the producer's. */
    private static ProducerRecord<byte[], byte[]> record(DeadLetter letter, Headers original, long timestamp) {
        return letter.toProducerRecord(original, timestamp < 0 ? null : Math.min(timestamp, System.currentTimeMillis()));
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
