package io.tollgate.budget.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tollgate.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.errors.DeserializationExceptionHandler;
import org.junit.jupiter.api.Test;

class DeadLetterHandlerTest {

    @Test
    void shouldDeadLetterTheOriginalBytesWithReasonAndOriginWhenARecordCannotBeRead() {
        // Given a handler of application "budget-x"
        DeadLetterHandler handler = new DeadLetterHandler();
        handler.configure(Map.of("application.id", "budget-x"));
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
        assertThat(header(dead, Topics.DLQ_REASON_HEADER)).isEqualTo("deserialization-failed");
        assertThat(header(dead, Topics.DLQ_DETAIL_HEADER)).contains("at least 5");
        assertThat(header(dead, Topics.DLQ_SOURCE_PARTITION_HEADER)).isEqualTo("3");
        assertThat(header(dead, Topics.DLQ_SOURCE_OFFSET_HEADER)).isEqualTo("42");
        assertThat(header(dead, Topics.DLQ_APPLICATION_HEADER)).isEqualTo("budget-x");
    }

    @Test
    void shouldNameTheBadKeyWhenAPeriodKeyIsMalformed() {
        assertThatThrownBy(() -> PeriodBounds.of(io.tollgate.schemas.avro.PeriodType.MONTH, "2026-13",
                java.time.ZoneId.of("UTC"), 0)).hasMessageContaining("'2026-13'").hasMessageContaining("yyyy-MM");
    }

    private static String header(org.apache.kafka.clients.producer.ProducerRecord<byte[], byte[]> r, String name) {
        return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }
}
