package io.tollgate.gateway.routing;

import io.tollgate.policy.topic.CompactedView;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.RoutingCommand;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Keeps a {@link CommandView} up to date from {@code tollgate.commands.v1}: every partition from the
 * beginning, on a daemon thread. A new command is in force as soon as it is polled (the consumer
 * waits at most {@code fetch.max.wait.ms}, 100 ms by default, for new records).
 */
public final class CommandConsumer implements AutoCloseable {

    private final CompactedView consumer;

    /**
     * @param kafkaConfig consumer settings; needs {@code bootstrap.servers}
     * @param topics      serdes of the schema registry in use
     * @param view        the view to fill
     * @param refusals    what happens to a record that cannot be read (the gateway dead-letters it)
     */
    public CommandConsumer(Map<String, Object> kafkaConfig, Topics topics, CommandView view,
                           CompactedView.Refusals refusals) {
        Deserializer<RoutingCommand> values = topics.commands().valueSerde().deserializer();
        this.consumer = new CompactedView("gateway-command-view", kafkaConfig, Topics.COMMANDS,
                r -> view.apply(r.key(), r.value() == null ? null : values.deserialize(r.topic(), r.value())),
                refusals);
    }

    public CommandConsumer start() {
        consumer.start();
        return this;
    }

    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return consumer.awaitCaughtUp(timeout);
    }

    public long applied() {
        return consumer.applied();
    }

    public long rejected() {
        return consumer.refused();
    }

    @Override
    public void close() {
        consumer.close();
    }
}
