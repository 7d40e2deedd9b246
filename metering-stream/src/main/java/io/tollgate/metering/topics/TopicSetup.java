package io.tollgate.metering.topics;

import io.tollgate.metering.config.MeteringConfig;
import io.tollgate.schemas.Topics;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the topics metering reads and writes when they are missing (Streams stops with
 * MissingSourceTopicException otherwise); existing topics are left exactly as they are.
 */
public final class TopicSetup {

    private static final Logger LOG = LoggerFactory.getLogger(TopicSetup.class);
    private static final Set<String> USED = Set.of(Topics.USAGE, Topics.QUOTA_STATUS, Topics.SPEND, Topics.MODEL_HEALTH,
            Topics.POLICIES, Topics.DEAD_LETTER);

    private TopicSetup() {
    }

    public static void ensure(MeteringConfig config) {
        Map<String, Object> adminProps = new java.util.HashMap<>(config.kafka());
        try (Admin admin = Admin.create(adminProps)) {
            Set<String> existing = admin.listTopics().names().get();
            List<NewTopic> missing = Topics.specs().stream()
                    .filter(s -> USED.contains(s.name()) && !existing.contains(s.name()))
                    .map(s -> new NewTopic(s.name(), config.topicPartitions(), config.topicReplication()).configs(s.configs()))
                    .toList();
            if (missing.isEmpty()) {
                return;
            }
            admin.createTopics(missing).values().forEach((name, future) -> {
                try {
                    future.get();
                    LOG.info("created topic {} ({} partitions)", name, config.topicPartitions());
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof org.apache.kafka.common.errors.TopicExistsException)) {
                        throw new IllegalStateException("cannot create topic " + name + ": " + e.getCause().getMessage(), e);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while creating topic " + name, e);
                }
            });
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot list topics at " + config.kafka().get("bootstrap.servers") + ": "
                    + e.getCause().getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while listing topics", e);
        }
    }
}
