package io.tollgate.policy.deadletter;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.apache.kafka.streams.errors.ErrorHandlerContext;
import org.apache.kafka.streams.errors.ProcessingExceptionHandler;
import org.junit.jupiter.api.Test;

class StreamsDeadLettersTest {

    @Test
    void shouldDeadLetterTheOriginalBytesWithReasonAndOriginWhenARecordCannotBeRead() {
        // Given a handler of application "budget-x"
        List<StreamsDeadLetters.Failure> counted = new ArrayList<>();
        StreamsDeadLetters handler = new StreamsDeadLetters();
        handler.configure(Map.of("application.id", "budget-x", StreamsDeadLetters.COUNTER_CONFIG,
                (Consumer<StreamsDeadLetters.Failure>) counted::add));
        ConsumerRecord<byte[], byte[]> record = new ConsumerRecord<>(Topics.SPEND, 3, 42L,
                "team:acme@2026-11-21".getBytes(StandardCharsets.UTF_8), new byte[] {1, 2, 3});

        // When it cannot be deserialized
        DeserializationExceptionHandler.Response response = handler.handleError(null, record,
                new SerializationException("has 3 bytes; a Confluent-framed Avro record has at least 5"));

        // Then processing resumes and the record goes to the dead-letter topic as it was
        assertThat(response.result()).isEqualTo(DeserializationExceptionHandler.Result.RESUME);
        var dead = response.deadLetterQueueRecords().getFirst();
        assertThat(dead.topic()).isEqualTo(Topics.DEAD_LETTER);
        assertThat(dead.value()).containsExactly(1, 2, 3);
        assertThat(header(dead, Topics.DLQ_REASON_HEADER)).isEqualTo("DESERIALIZATION");
        assertThat(header(dead, Topics.DLQ_DETAIL_HEADER)).contains("at least 5");
        assertThat(header(dead, Topics.DLQ_SOURCE_PARTITION_HEADER)).isEqualTo("3");
        assertThat(header(dead, Topics.DLQ_SOURCE_OFFSET_HEADER)).isEqualTo("42");
        assertThat(header(dead, Topics.DLQ_APPLICATION_HEADER)).isEqualTo("budget-x");
        assertThat(counted).containsExactly(StreamsDeadLetters.Failure.DESERIALIZATION);
    }

    @Test
    void shouldDeadLetterTheSourceBytesWhenProcessingARecordThrows() {
        List<StreamsDeadLetters.Failure> counted = new ArrayList<>();
        StreamsDeadLetters handler = new StreamsDeadLetters();
        handler.configure(Map.of("application.id", "budget-x", StreamsDeadLetters.COUNTER_CONFIG,
                (Consumer<StreamsDeadLetters.Failure>) counted::add));
        ErrorHandlerContext context = new ErrorHandlerContext() {
            public String topic() { return "budget-x-spend-by-scope-repartition"; }
            public int partition() { return 1; }
            public long offset() { return 7L; }
            public org.apache.kafka.common.header.Headers headers() { return new org.apache.kafka.common.header.internals.RecordHeaders(); }
            public String processorNodeId() { return "budget-evaluator"; }
            public org.apache.kafka.streams.processor.TaskId taskId() { return new org.apache.kafka.streams.processor.TaskId(1, 1); }
            public long timestamp() { return 1_000L; }
            public byte[] sourceRawKey() { return "team:acme".getBytes(StandardCharsets.UTF_8); }
            public byte[] sourceRawValue() { return new byte[] {0, 0, 0, 0, 1, 9}; }
        };

        ProcessingExceptionHandler.Response response = handler.handleError(context,
                new org.apache.kafka.streams.processor.api.Record<>("team:acme", "x", 1_000L), new IllegalStateException("boom"));

        assertThat(response.result()).isEqualTo(ProcessingExceptionHandler.Result.RESUME);
        var dead = response.deadLetterQueueRecords().getFirst();
        assertThat(dead.value()).containsExactly(0, 0, 0, 0, 1, 9);
        assertThat(header(dead, Topics.DLQ_REASON_HEADER)).isEqualTo("PROCESSING");
        assertThat(header(dead, Topics.DLQ_DETAIL_HEADER)).contains("boom");
        assertThat(header(dead, Topics.DLQ_SOURCE_OFFSET_HEADER)).isEqualTo("7");
        assertThat(counted).containsExactly(StreamsDeadLetters.Failure.PROCESSING);
    }

    private static String header(org.apache.kafka.clients.producer.ProducerRecord<byte[], byte[]> r, String name) {
        return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
