package io.tollgate.budget.webhook;

import io.tollgate.budget.query.AlertView;
import io.tollgate.policy.deadletter.DeadLetter;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.BudgetAlert;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads tollgate.alerts.v1 with a consumer group of its own (committed transactions only) and
 * hands alerts to the {@link WebhookDispatcher}. It is separate from the stream on purpose: a slow
 * or failing webhook fills the dispatcher's queue, which pauses this consumer, never the stream.
 * Offsets are committed once alerts are queued, so a crash can lose queued alerts; receivers
 * recognise repeats by {@code alertId}. A new group starts at the latest alert (no flood of old
 * alerts) and commits that position at once, so later restarts resume where it stopped. A record
 * that is not a readable alert goes to the dead-letter topic (reason {@code DESERIALIZATION}) and the
 * consumer carries on: no record can stop the webhook.
 */
public final class WebhookSink implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WebhookSink.class);

    private final KafkaConsumer<String, byte[]> consumer;
    private final Deserializer<BudgetAlert> alerts;
    private final WebhookDispatcher dispatcher;
    private final Consumer<DeadLetter> deadLetters;
    private final String application;
    private final Thread thread;
    private volatile boolean running = true;

    /**
     * @param deadLetters where records that are not readable alerts go
     * @param application names this reader in those dead letters
     */
    public WebhookSink(Map<String, Object> consumerProperties, Topics topics, WebhookDispatcher dispatcher,
                       Consumer<DeadLetter> deadLetters, String application) {
        this.consumer = new KafkaConsumer<>(consumerProperties, Serdes.String().deserializer(),
                Serdes.ByteArray().deserializer());
        this.alerts = topics.alerts().valueSerde().deserializer();
        this.dispatcher = dispatcher;
        this.deadLetters = deadLetters;
        this.application = application;
        this.thread = Thread.ofPlatform().name("budget-webhook-consumer").daemon(true).unstarted(this::run);
    }

    public WebhookSink start() {
        thread.start();
        return this;
    }

    private void run() {
        try {
            consumer.subscribe(List.of(Topics.ALERTS), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    // pin the starting position at once, so alerts written while this service is
                    // down later are delivered after the restart instead of skipped by "latest"
                    Map<TopicPartition, OffsetAndMetadata> start = new HashMap<>();
                    partitions.forEach(tp -> start.put(tp, new OffsetAndMetadata(consumer.position(tp))));
                    consumer.commitSync(start);
                    LOG.info("webhook consumer starts at {}", start);
                }

                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    consumer.commitSync();
                }
            });
            while (running) {
                if (!consumer.paused().isEmpty() && dispatcher.remainingCapacity() > 0) {
                    consumer.resume(consumer.paused());
                }
                ConsumerRecords<String, byte[]> records = consumer.poll(Duration.ofMillis(200));
                boolean full = false;
                for (TopicPartition partition : records.partitions()) {
                    for (ConsumerRecord<String, byte[]> record : records.records(partition)) {
                        BudgetAlert alert = record.value() == null ? null : read(record);
                        if (alert == null) {
                            continue;
                        }
                        if (full || !dispatcher.submit(AlertView.of(alert))) {
                            full = true;
                            consumer.seek(partition, record.offset()); // read it again once there is room
                            break;
                        }
                    }
                }
                if (full) {
                    consumer.pause(consumer.assignment());
                }
                if (!records.isEmpty()) {
                    consumer.commitAsync(); // positions: what was queued, or where a full queue sought back to
                }
            }
        } catch (WakeupException e) {
            if (running) {
                throw e;
            }
        } catch (RuntimeException e) {
            LOG.error("webhook consumer stopped: {}", e.toString(), e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    /** The alert, or null after dead-lettering a record that is not one. */
    private BudgetAlert read(ConsumerRecord<String, byte[]> record) {
        try {
            return alerts.deserialize(record.topic(), record.headers(), record.value());
        } catch (RuntimeException e) {
            LOG.warn("alert {}-{}@{} is not readable ({}); dead-lettered", record.topic(), record.partition(),
                    record.offset(), e.toString());
            deadLetters.accept(new DeadLetter(record.key() == null ? null
                    : record.key().getBytes(StandardCharsets.UTF_8), record.value(), "DESERIALIZATION",
                    e.getClass().getSimpleName() + ": " + e.getMessage(), application, record.topic(), record.partition(),
                    record.offset()));
            return null;
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        dispatcher.close();
    }
}
