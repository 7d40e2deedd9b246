package io.tollgate.gateway.events;

import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.UsageEvent;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Usage events to {@code tollgate.usage.v1} through the on-disk {@link Spool}: the request path
 * appends the event and writes it to the spool's file itself, or waits for the write in progress to
 * (group commit; a few microseconds, no network), one sender thread drains the spool in order with an
 * idempotent producer ({@code acks=all}) and commits only what Kafka acknowledged. While Kafka is
 * unreachable the spool grows; when it returns the backlog is replayed in order. When the spool
 * holds more than its bound, {@link #refusal()} tells the gateway to refuse new calls (events of
 * calls already admitted are still accepted, so none is lost).
 */
public final class KafkaEventSink implements EventSink {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaEventSink.class);
    private static final int BATCH = 500;
    private static final int MAX_OBSERVED = 65_536;

    private final Spool spool;
    private final long maxBytes;
    private final String topic;
    private final String bootstrap;
    private final UsageWire wire;
    private final Producer<String, byte[]> producer;
    private final Thread sender;
    /** Who waits to hear where an event was written, by event id; at most {@link #MAX_OBSERVED}. */
    private final Map<String, WriteObserver> observers = new ConcurrentHashMap<>();
    private volatile boolean running = true;
    private volatile String lastError = "";

    public KafkaEventSink(Spool spool, long maxBytes, Map<String, Object> kafkaProperties, Topics topics) {
        this.spool = spool;
        this.maxBytes = maxBytes;
        Topics.Topic<String, UsageEvent> usage = topics.usage();
        this.topic = usage.name();
        this.bootstrap = String.valueOf(kafkaProperties.get(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG));
        Map<String, Object> props = new HashMap<>(producerDefaults());
        props.putAll(kafkaProperties);
        // what "nothing admitted is lost" rests on: not negotiable through KAFKA_* variables
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        this.wire = new UsageWire(topic, usage.valueSerde().serializer());
        this.producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
        this.sender = Thread.ofPlatform().daemon().name("tollgate-event-sender").start(this::drain);
    }

    /** Settings the gateway relies on; KAFKA_* variables may tune, not weaken, them. */
    static Map<String, Object> producerDefaults() {
        return Map.of(
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true,
                ProducerConfig.LINGER_MS_CONFIG, 5,
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000,
                ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000,
                ProducerConfig.CLIENT_ID_CONFIG, "tollgate-gateway");
    }

    @Override
    public void publish(UsageEvent event) {
        append(event);
    }

    @Override
    public void publish(UsageEvent event, WriteObserver observer) {
        // bounded: while Kafka is away the spool may hold millions of events; untracked ones just stay "not yet"
        boolean tracked = observers.size() < MAX_OBSERVED && observers.putIfAbsent(event.getEventId(), observer) == null;
        try {
            append(event);
        } catch (RuntimeException e) {
            if (tracked) {
                observers.remove(event.getEventId());
            }
            throw e;
        }
    }

    private void append(UsageEvent event) {
        // returns once the event is in the spool's file: a REQUEST before the upstream call starts, a RESPONSE
        // before the agent has its answer, so that killing the gateway loses no event of a call
        spool.awaitWritten(spool.append(event.getApiKeyId().getBytes(StandardCharsets.UTF_8), UsageWire.spooled(event)));
    }

    @Override
    public Optional<String> refusal() {
        long bytes = spool.pendingBytes();
        if (bytes < maxBytes) {
            return Optional.empty();
        }
        return Optional.of("usage event spool is full (" + spool.pendingRecords() + " events, " + bytes
                + " bytes of " + maxBytes + " allowed in " + spool.dir() + ") because Kafka at " + bootstrap
                + " is not acknowledging (" + lastError + "); new calls are refused until it is reachable");
    }

    @Override
    public long pendingEvents() {
        return spool.pendingRecords();
    }

    public long pendingBytes() {
        return spool.pendingBytes();
    }

    private void drain() {
        long backoff = 100;
        while (running) {
            Spool.Batch batch;
            try {
                batch = spool.read(BATCH, 200);
            } catch (InterruptedException e) {
                return;
            }
            if (batch.isEmpty()) {
                continue;
            }
            try {
                send(batch);
                spool.commit(batch);
                backoff = 100;
                lastError = "";
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                lastError = e.getClass().getSimpleName() + ": " + e.getMessage();
                LOG.warn("usage events not acknowledged by Kafka at {} ({}); {} events spooled, retrying in {} ms",
                        bootstrap, lastError, spool.pendingRecords(), backoff);
                if (!sleep(backoff)) {
                    return;
                }
                backoff = Math.min(backoff * 2, 5_000);
            }
        }
    }

    private void send(Spool.Batch batch) throws Exception {
        List<Future<RecordMetadata>> acks = new ArrayList<>(batch.entries().size());
        List<String> ids = new ArrayList<>(batch.entries().size());
        for (Spool.Entry entry : batch.entries()) {
            UsageWire.Sendable sendable = wire.sendable(entry.value());
            acks.add(producer.send(new ProducerRecord<>(topic, new String(entry.key(), StandardCharsets.UTF_8),
                    sendable.value())));
            ids.add(sendable.eventId());
        }
        for (Future<RecordMetadata> ack : acks) {
            ack.get();
        }
        if (observers.isEmpty()) {
            return;
        }
        for (int i = 0; i < ids.size(); i++) {
            WriteObserver observer = observers.remove(ids.get(i));
            if (observer != null) {
                RecordMetadata written = acks.get(i).get();
                try {
                    observer.written(written.partition(), written.offset());
                } catch (RuntimeException e) {
                    LOG.warn("observer of usage event {} failed: {}", ids.get(i), e.toString());
                }
            }
        }
    }

    private boolean sleep(long millis) {
        try {
            Thread.sleep(millis); // backoff while Kafka is unreachable; events wait safely in the spool
            return true;
        } catch (InterruptedException e) {
            return false;
        }
    }

    /** Stops after trying to deliver what is spooled for up to {@code drainMillis}; the rest stays on disk. */
    public void close(long drainMillis) {
        long deadline = System.currentTimeMillis() + drainMillis;
        while (spool.pendingRecords() > 0 && System.currentTimeMillis() < deadline) {
            if (!sleep(20)) {
                break;
            }
        }
        running = false;
        sender.interrupt();
        try {
            sender.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        producer.close(java.time.Duration.ofSeconds(2));
        spool.close();
    }

    @Override
    public void close() {
        close(5_000);
    }
}
