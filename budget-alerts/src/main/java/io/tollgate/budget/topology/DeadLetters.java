package io.tollgate.budget.topology;

import io.tollgate.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.function.BiFunction;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.processor.api.RecordMetadata;

/**
 * Routes records that deserialize but make no sense (a key that does not match the value, a
 * malformed period) to tollgate.dead-letter.v1, reason {@value #INVALID_RECORD} with the problem and
 * origin in {@code Topics.DLQ_*} headers; the rest flow on. Every record leaves stamped no later
 * than the wall clock, so no output (repartition, dead letter) can be refused by a broker for a
 * timestamp in the future. Records that do not even deserialize are handled by
 * {@code StreamsDeadLetters}.
 */
final class DeadLetters {

    /** The dead-letter reason of a record that deserializes but makes no sense. */
    static final String INVALID_RECORD = "INVALID_RECORD";

    /** A value and what is wrong with it (null when nothing). */
    record Checked<V>(V value, String problem) {
    }

    private DeadLetters() {
    }

    static <V> KStream<String, V> route(KStream<String, V> input, String name, BiFunction<String, V, String> check,
                                        Serde<V> valueSerde, String applicationId, TopologyMetrics metrics) {
        Map<String, KStream<String, Checked<V>>> branches = input
                .processValues(() -> new Check<>(check, applicationId), Named.as(name + "-check"))
                .split(Named.as(name + "-"))
                .branch((k, v) -> v.problem() != null, Branched.as("invalid"))
                .defaultBranch(Branched.as("valid"));
        branches.get(name + "-invalid")
                .peek((k, v) -> metrics.deadLetter(name), Named.as(name + "-count-dead"))
                .mapValues(Checked::value, Named.as(name + "-unwrap-dead"))
                .to(Topics.DEAD_LETTER, Produced.with(Serdes.String(), valueSerde));
        return branches.get(name + "-valid").mapValues(Checked::value, Named.as(name + "-unwrap"));
    }

    private static final class Check<V> implements FixedKeyProcessor<String, V, Checked<V>> {
        private final BiFunction<String, V, String> check;
        private final String applicationId;
        private FixedKeyProcessorContext<String, Checked<V>> context;

        Check(BiFunction<String, V, String> check, String applicationId) {
            this.check = check;
            this.applicationId = applicationId;
        }

        @Override
        public void init(FixedKeyProcessorContext<String, Checked<V>> context) {
            this.context = context;
        }

        @Override
        public void process(FixedKeyRecord<String, V> record) {
            if (record.value() == null) {
                return; // tombstones of compacted topics carry nothing to judge
            }
            String problem = check.apply(record.key(), record.value());
            if (problem != null) {
                Headers headers = record.headers();
                put(headers, Topics.DLQ_REASON_HEADER, INVALID_RECORD);
                put(headers, Topics.DLQ_DETAIL_HEADER, problem);
                put(headers, Topics.DLQ_APPLICATION_HEADER, applicationId);
                context.recordMetadata().ifPresent(m -> origin(headers, m));
            }
            long now = context.currentSystemTimeMs();
            context.forward(record.withValue(new Checked<>(record.value(), problem))
                    .withTimestamp(Math.min(record.timestamp(), now)));
        }

        private static void origin(Headers headers, RecordMetadata m) {
            put(headers, Topics.DLQ_SOURCE_TOPIC_HEADER, m.topic());
            put(headers, Topics.DLQ_SOURCE_PARTITION_HEADER, Integer.toString(m.partition()));
            put(headers, Topics.DLQ_SOURCE_OFFSET_HEADER, Long.toString(m.offset()));
        }
    }

    static void put(Headers headers, String name, String value) {
        headers.remove(name);
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
