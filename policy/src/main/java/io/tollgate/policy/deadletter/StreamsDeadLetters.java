package io.tollgate.policy.deadletter;

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
 * The error policy of both Streams applications (metering-stream, budget-alerts) for what their topologies do not
 * dead-letter themselves: a record that cannot be deserialized ({@link Failure#DESERIALIZATION}: an internal topic
 * written by another version, a foreign writer), whose processing throws (an overflowing sum,
 * {@link Failure#OVERFLOW}; anything else, {@link Failure#PROCESSING}), or whose output cannot be serialized
 * ({@link Failure#PRODUCTION}) goes to {@code tollgate.dead-letter.v1} with its source bytes and the usual headers
 * ({@link DeadLetter}), and processing continues: one bad record must not stop metering or budgets for everyone,
 * and a record that throws would otherwise kill the stream thread again on every retry. On the global (policy)
 * thread, which cannot produce through Streams, the dead letter goes to the publisher in {@link #PUBLISHER_CONFIG}.
 * Uncaught exceptions beyond these replace the stream thread (the applications' uncaught-exception handlers).
 *
 * <p>A broker refusing a record that was sent (too large, timestamp out of range) cannot be skipped under
 * exactly-once: the transaction aborts and the task retries. The applications prevent such records instead (every
 * output stamped no later than the wall clock, small records).
 *
 * <p>Configured through the Streams properties: {@link #COUNTER_CONFIG}, {@link #PUBLISHER_CONFIG} (objects), and
 * {@code application.id} (the dead letters' application header).
 */
public final class StreamsDeadLetters
        implements DeserializationExceptionHandler, ProcessingExceptionHandler, ProductionExceptionHandler {

    /** What failed; the dead letter's reason and the name an application counts it under. */
    public enum Failure {
        DESERIALIZATION, PROCESSING, OVERFLOW, PRODUCTION
    }

    /** Streams config key of a {@code Consumer<Failure>} that counts each failure handled (an object). */
    public static final String COUNTER_CONFIG = "tollgate.error.counter";
    /** Streams config key of a {@code Consumer<DeadLetter>} for dead letters of the global thread (an object). */
    public static final String PUBLISHER_CONFIG = "tollgate.error.publisher";

    private static final Logger LOG = LoggerFactory.getLogger(StreamsDeadLetters.class);

    private String applicationId = "tollgate";
    private Consumer<Failure> counter = failure -> { };
    private Consumer<DeadLetter> outsideStreams = letter -> LOG.warn("dead letter not published: {} {}",
            letter.reason(), letter.detail());

    /** The three handler settings of {@code props}, pointing at this class. */
    public static void install(Map<Object, Object> props, Consumer<Failure> counter, Consumer<DeadLetter> publisher) {
        props.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, StreamsDeadLetters.class.getName());
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, StreamsDeadLetters.class.getName());
        props.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, StreamsDeadLetters.class.getName());
        props.put(COUNTER_CONFIG, counter);
        props.put(PUBLISHER_CONFIG, publisher);
    }

    @Override
    @SuppressWarnings("unchecked")
    public void configure(Map<String, ?> configs) {
        Object id = configs.get(StreamsConfig.APPLICATION_ID_CONFIG);
        if (id != null) {
            applicationId = id.toString();
        }
        if (configs.get(COUNTER_CONFIG) instanceof Consumer<?> c) {
            counter = (Consumer<Failure>) c;
        }
        if (configs.get(PUBLISHER_CONFIG) instanceof Consumer<?> publisher) {
            outsideStreams = (Consumer<DeadLetter>) publisher;
        }
    }

    @Override
    public ProcessingExceptionHandler.Response handleError(ErrorHandlerContext context, Record<?, ?> record,
                                                          Exception exception) {
        Failure failure = causedBy(exception, ArithmeticException.class) ? Failure.OVERFLOW : Failure.PROCESSING;
        counter.accept(failure);
        if (context.sourceRawKey() == null && context.sourceRawValue() == null) {
            // a punctuation: no record to keep; its work is retried at the next one
            LOG.error("punctuation of {} in task {} failed; continuing", context.processorNodeId(), context.taskId(),
                    exception);
            return ProcessingExceptionHandler.Response.resume();
        }
        LOG.error("dead-lettering the record at {}-{}@{} whose processing failed in {} ({})", context.topic(),
                context.partition(), context.offset(), context.processorNodeId(), failure, exception);
        DeadLetter letter = letter(context.sourceRawKey(), context.sourceRawValue(), failure, exception, context.topic(),
                context.partition(), context.offset());
        return ProcessingExceptionHandler.Response.resume(List.of(record(letter, context.headers(), context.timestamp())));
    }

    @Override
    public DeserializationExceptionHandler.Response handleError(ErrorHandlerContext context,
                                                               ConsumerRecord<byte[], byte[]> record, Exception exception) {
        counter.accept(Failure.DESERIALIZATION);
        LOG.warn("dead-lettering {}-{}@{}: {}", record.topic(), record.partition(), record.offset(), exception.toString());
        DeadLetter letter = letter(record.key(), record.value(), Failure.DESERIALIZATION, exception, record.topic(),
                record.partition(), record.offset());
        if (context != null && context.taskId() != null && context.taskId().subtopology() < 0) {
            outsideStreams.accept(letter); // the global thread has no record collector to produce with
            return DeserializationExceptionHandler.Response.resume();
        }
        return DeserializationExceptionHandler.Response.resume(List.of(record(letter, record.headers(), record.timestamp())));
    }

    @Override
    public ProductionExceptionHandler.Response handleSerializationError(ErrorHandlerContext context,
                                                                       ProducerRecord record, Exception exception,
                                                                       SerializationExceptionOrigin origin) {
        counter.accept(Failure.PRODUCTION);
        LOG.error("output to {} of the record at {}-{}@{} cannot be serialized ({}); dead-lettering its source",
                record.topic(), context.topic(), context.partition(), context.offset(), origin, exception);
        if (context.sourceRawKey() == null && context.sourceRawValue() == null) {
            return ProductionExceptionHandler.Response.resume();
        }
        DeadLetter letter = letter(context.sourceRawKey(), context.sourceRawValue(), Failure.PRODUCTION, exception,
                context.topic(), context.partition(), context.offset());
        return ProductionExceptionHandler.Response.resume(List.of(record(letter, context.headers(), context.timestamp())));
    }

    @Override
    public ProductionExceptionHandler.Response handleError(ErrorHandlerContext context,
                                                          ProducerRecord<byte[], byte[]> record, Exception exception) {
        counter.accept(Failure.PRODUCTION);
        LOG.error("the broker refused a record for {} ({}); under exactly-once its transaction aborts and the task"
                + " retries", record.topic(), exception.toString());
        return ProductionExceptionHandler.Response.resume();
    }

    private DeadLetter letter(byte[] key, byte[] value, Failure failure, Exception exception, String topic,
                              int partition, long offset) {
        return new DeadLetter(key, value, failure.name(), exception.toString(), applicationId, topic, partition, offset);
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
