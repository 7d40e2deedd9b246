package io.tollgate.metering.query;

import io.tollgate.policy.kafka.KafkaEnvironment;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * The end of what is committed in a partition: its last stable offset, before the first record of any transaction
 * still open. A killed instance leaves its transaction open until the coordinator aborts it, and under load a
 * changelog nearly always has one in progress; a copy that has read up to here holds every committed record, which
 * the log end offset cannot tell (it counts records that may never be committed).
 */
public final class CommittedEnds implements AutoCloseable {

    private static final long TIMEOUT_MILLIS = 2_000;

    private final Admin admin;

    /** @param kafka client settings with {@code bootstrap.servers} (security settings are kept) */
    public CommittedEnds(Map<String, ?> kafka) {
        Map<String, Object> props = new HashMap<>(KafkaEnvironment.security(kafka));
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG));
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "tollgate-metering-committed-ends");
        this.admin = Admin.create(props);
    }

    /** The last stable offset of {@code partition}; throws when the broker does not say within 2 s. */
    public long of(TopicPartition partition) {
        try {
            return admin.listOffsets(Map.of(partition, OffsetSpec.latest()),
                    new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)).partitionResult(partition)
                    .get(TIMEOUT_MILLIS, TimeUnit.MILLISECONDS).offset();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while asking the committed end of " + partition, e);
        } catch (Exception e) {
            throw new IllegalStateException("cannot learn the committed end of " + partition + ": " + e, e);
        }
    }

    @Override
    public void close() {
        admin.close(java.time.Duration.ofSeconds(5));
    }
}
