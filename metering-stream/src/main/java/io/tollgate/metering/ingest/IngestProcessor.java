package io.tollgate.metering.ingest;

import io.tollgate.metering.dlq.DeadLetterReason;
import io.tollgate.metering.topology.TopologySettings;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.Phase;
import io.tollgate.schemas.avro.UsageEvent;
import io.tollgate.schemas.registry.SchemaRegistries;
import io.tollgate.schemas.registry.SchemaRegistryClient;
import io.tollgate.schemas.serde.WireFormat;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads raw usage records and decides, for each, whether it is counted: deserializes inside the topology
 * (so a poison record becomes a dead letter, not a crashed application), validates, drops repeated event ids,
 * refuses events older than the partition's event-time high-water mark minus the grace, and remembers open
 * reservations so a RESPONSE is attributed to its REQUEST's day.
 */
public final class IngestProcessor implements Processor<byte[], byte[], String, IngestResult> {

    private static final Logger LOG = LoggerFactory.getLogger(IngestProcessor.class);

    private final TopologySettings settings;
    private final String dedupeStoreName;
    private final String clockStoreName;
    private final String pendingStoreName;
    private final Deserializer<UsageEvent> deserializer;
    private final SchemaRegistryClient registry;
    private ProcessorContext<String, IngestResult> context;
    private WindowStore<String, Long> dedupe;
    private KeyValueStore<Integer, Long> clock;
    private KeyValueStore<String, Long> pending;

    public IngestProcessor(TopologySettings settings, String dedupeStore, String clockStore, String pendingStore) {
        this.settings = settings;
        this.dedupeStoreName = dedupeStore;
        this.clockStoreName = clockStore;
        this.pendingStoreName = pendingStore;
        this.deserializer = settings.topics().usage().valueSerde().deserializer();
        this.registry = SchemaRegistries.fromConfig(settings.topics().serdeConfig());
    }

    @Override
    public void init(ProcessorContext<String, IngestResult> context) {
        this.context = context;
        this.dedupe = context.getStateStore(dedupeStoreName);
        this.clock = context.getStateStore(clockStoreName);
        this.pending = context.getStateStore(pendingStoreName);
        context.schedule(Duration.ofMinutes(5), PunctuationType.WALL_CLOCK_TIME, now -> expirePending());
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        if (record.key() == null || record.key().length == 0) {
            reject(record, DeadLetterReason.MISSING_KEY, "usage records are keyed by API-key id; this one has no key");
            return;
        }
        UsageEvent event;
        try {
            event = deserializer.deserialize(Topics.USAGE, record.value());
        } catch (RuntimeException e) {
            reject(record, classify(record.value()), String.valueOf(e.getMessage()));
            return;
        }
        if (event == null) {
            reject(record, DeadLetterReason.DESERIALIZATION, "null value (tombstone) on the usage topic");
            return;
        }
        String key = new String(record.key(), StandardCharsets.UTF_8);
        if (!key.equals(event.getApiKeyId())) {
            reject(record, DeadLetterReason.KEY_MISMATCH, "record key '" + key + "' differs from apiKeyId '"
                    + event.getApiKeyId() + "'");
            return;
        }
        String negative = negativeField(event);
        if (negative != null) {
            reject(record, DeadLetterReason.NEGATIVE_TOKENS, negative + " in " + event.getPhase() + " event "
                    + event.getEventId());
            return;
        }
        long ts = event.getTimestamp().toEpochMilli();
        if (seen(event.getEventId(), ts)) {
            settings.metrics().duplicate();
            LOG.debug("event {} already counted; skipping the repeat", event.getEventId());
            return;
        }
        int partition = context.recordMetadata().map(RecordMetadata::partition).orElse(-1);
        Long high = clock.get(partition);
        long graceMillis = settings.grace().toMillis();
        if (high != null && ts < high - graceMillis) {
            reject(record, DeadLetterReason.LATE, "event time " + event.getTimestamp() + " is " + (high - ts)
                    + " ms behind the partition's event time " + java.time.Instant.ofEpochMilli(high)
                    + "; grace is " + graceMillis + " ms");
            return;
        }
        dedupe.put(event.getEventId(), ts, ts);
        long streamTime = high == null ? ts : Math.max(high, ts);
        if (high == null || streamTime != high) {
            clock.put(partition, streamTime);
        }
        long periodTime = settle(event, ts);
        context.forward(new Record<String, IngestResult>(key,
                new IngestResult.Accepted(new MeteredEvent(event, periodTime, streamTime)), ts, new RecordHeaders()));
    }

    private boolean seen(String eventId, long ts) {
        long retention = settings.dedupeRetention().toMillis();
        try (WindowStoreIterator<Long> it = dedupe.fetch(eventId, ts - retention, ts + retention)) {
            return it.hasNext();
        }
    }

    /** Returns the time whose period the event counts in, keeping the open reservation's REQUEST time. */
    private long settle(UsageEvent event, long ts) {
        String call = event.getCallId() + '#' + event.getAttempt();
        if (event.getPhase() == Phase.REQUEST) {
            pending.put(call, ts);
            return ts;
        }
        Long requestTime = pending.delete(call);
        return requestTime == null ? ts : requestTime;
    }

    private static String negativeField(UsageEvent e) {
        if (e.getReservedTokens() < 0) {
            return "reservedTokens " + e.getReservedTokens() + " < 0";
        }
        if (e.getReservedPromptTokens() < 0 || e.getReservedCompletionTokens() < 0) {
            return "reservedPromptTokens/reservedCompletionTokens " + e.getReservedPromptTokens() + "/"
                    + e.getReservedCompletionTokens() + " < 0";
        }
        if (e.getReservedCostMicros() < 0) {
            return "reservedCostMicros " + e.getReservedCostMicros() + " < 0";
        }
        if (e.getPhase() == Phase.RESPONSE && (e.getTotalTokens() < 0 || e.getCostMicros() < 0)) {
            return "actual totalTokens/costMicros " + e.getTotalTokens() + "/" + e.getCostMicros() + " < 0";
        }
        return null;
    }

    /** On the error path only: reads the record with its writer schema to tell an unknown phase apart. */
    private DeadLetterReason classify(byte[] value) {
        if (value == null) {
            return DeadLetterReason.DESERIALIZATION;
        }
        try {
            ByteBuffer buffer = ByteBuffer.wrap(value);
            Schema writer = registry.getById(WireFormat.readHeader(Topics.USAGE, buffer));
            GenericRecord generic = new GenericDatumReader<GenericRecord>(writer).read(null,
                    DecoderFactory.get().binaryDecoder(value, buffer.position(), buffer.remaining(), null));
            Object phase = generic.get("phase");
            boolean known = phase != null && List.of("REQUEST", "RESPONSE").contains(phase.toString());
            return known ? DeadLetterReason.DESERIALIZATION : DeadLetterReason.UNKNOWN_PHASE;
        } catch (Exception notReadableEither) {
            return DeadLetterReason.DESERIALIZATION;
        }
    }

    private void reject(Record<byte[], byte[]> record, DeadLetterReason reason, String detail) {
        settings.metrics().deadLetter(reason);
        RecordHeaders headers = new RecordHeaders();
        record.headers().forEach(headers::add);
        headers.remove(Topics.DLQ_REASON_HEADER);
        headers.add(Topics.DLQ_REASON_HEADER, bytes(reason.name()));
        headers.add(Topics.DLQ_DETAIL_HEADER, bytes(detail));
        headers.add(Topics.DLQ_APPLICATION_HEADER, bytes(settings.applicationId()));
        context.recordMetadata().ifPresent(meta -> {
            headers.add(Topics.DLQ_SOURCE_TOPIC_HEADER, bytes(meta.topic()));
            headers.add(Topics.DLQ_SOURCE_PARTITION_HEADER, bytes(Integer.toString(meta.partition())));
            headers.add(Topics.DLQ_SOURCE_OFFSET_HEADER, bytes(Long.toString(meta.offset())));
        });
        LOG.warn("usage record to dead letters: {} ({})", reason, detail);
        context.forward(new Record<String, IngestResult>(null,
                new IngestResult.Rejected(record.key(), record.value(), reason), record.timestamp(), headers));
    }

    /** Calls whose RESPONSE never came: forget them after the pending retention (event time). */
    private void expirePending() {
        long newest = Long.MIN_VALUE;
        try (KeyValueIterator<Integer, Long> it = clock.all()) {
            while (it.hasNext()) {
                newest = Math.max(newest, it.next().value);
            }
        }
        long cutoff = newest - settings.pendingRetention().toMillis();
        List<String> expired = new ArrayList<>();
        try (KeyValueIterator<String, Long> it = pending.all()) {
            while (it.hasNext()) {
                KeyValue<String, Long> entry = it.next();
                if (entry.value < cutoff) {
                    expired.add(entry.key);
                }
            }
        }
        expired.forEach(pending::delete);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
