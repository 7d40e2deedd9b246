package io.tollgate.cli.ops;

import io.tollgate.policy.topic.CompactedView;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.common.serialization.Deserializer;

/** The current content of a compacted topic for a CLI command, read by the policy module's {@link CompactedView}. */
public final class CompactedTopic {

    private CompactedTopic() {
    }

    /** Every key's latest value; records that cannot be read are reported to {@code unreadable} and skipped. */
    public static <V> Map<String, V> read(ConnectionOptions connection, String topic, Deserializer<V> values,
                                          Duration timeout, Consumer<String> unreadable) {
        return CompactedView.readValues("cli-" + topic, connection.consumer(), topic, values,
                (record, error) -> unreadable.accept("skipped unreadable record " + record.key() + " at "
                        + record.partition() + "@" + record.offset() + ": " + error.getMessage()), timeout);
    }
}
