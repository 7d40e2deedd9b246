package io.tollgate.budget.webhook;

import io.tollgate.budget.query.AlertView;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.BudgetAlert;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.Serdes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads tollgate.alerts.v1 with a consumer group of its own (committed transactions only) and
 * hands alerts to the {@link WebhookDispatcher}. It is separate from the stream on purpose: a slow
 * or failing webhook fills the dispatcher's queue, which pauses this consumer, never the stream.
 * Offsets are committed once alerts are queued, so a crash can lose queued alerts; receivers
 * recognise repeats by {@code alertId}. A new group starts at the latest alert (no flood of old
 * alerts) and commits that position at once, so later restarts resume where it stopped.
 */
public final class WebhookSink implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WebhookSink.class);

    private final KafkaConsumer<String, BudgetAlert> consumer;
    private final WebhookDispatcher dispatcher;
    private final Thread thread;
    private volatile boolean running = true;

    public WebhookSink(Map<String, Object> consumerProperties, Topics topics, WebhookDispatcher dispatcher) {
        this.consumer = new KafkaConsumer<>(consumerProperties, Serdes.String().deserializer(),
                topics.alerts().valueSerde().deserializer());
        this.dispatcher = dispatcher;
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
                ConsumerRecords<String, BudgetAlert> records = consumer.poll(Duration.ofMillis(200));
                boolean full = false;
                for (TopicPartition partition : records.partitions()) {
                    for (ConsumerRecord<String, BudgetAlert> record : records.records(partition)) {
                        if (record.value() == null) {
                            continue;
                        }
                        if (full || !dispatcher.submit(AlertView.of(record.value()))) {
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
