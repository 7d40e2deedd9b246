package io.tollgate.metering.topology;

import io.tollgate.metering.config.MeteringConfig;
import io.tollgate.metering.dlq.DeadLetterMetrics;
import io.tollgate.schemas.Topics;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;

/**
 * What the topologies need to know, and nothing about hosts or ports, so tests build the same topology
 * with a {@code mock://} registry and their own clock.
 *
 * @param clock wall clock for {@code updatedAt} fields and store clean-up
 * @param emitInterval how often spend and model health publish the keys that changed (latest value each)
 * @param statusPerCommit publish quota status once per emit interval per changed key instead of per event
 */
public record TopologySettings(
        String applicationId,
        Topics topics,
        ZoneId zone,
        int resetHour,
        Duration grace,
        Duration dedupeRetention,
        Duration pendingRetention,
        Duration periodRetention,
        Duration healthRetention,
        Clock clock,
        Duration emitInterval,
        boolean statusPerCommit,
        DeadLetterMetrics metrics) {

    /** Trailing span of 1-second buckets published in quota status. */
    public static final Duration STATUS_SPAN = Duration.ofSeconds(120);

    public static TopologySettings from(MeteringConfig config, DeadLetterMetrics metrics, Clock clock) {
        return new TopologySettings(config.applicationId(), Topics.forRegistry(config.schemaRegistryUrl()), config.zone(),
                config.resetHour(), config.grace(), config.dedupeRetention(), config.pendingRetention(),
                config.periodRetention(), config.healthRetention(), clock,
                Duration.ofMillis(config.commitIntervalMs()), config.statusPerCommit(), metrics);
    }

    /** How long buckets stay in the store: the published span plus the grace for late events. */
    public long bucketRetentionMillis() {
        return STATUS_SPAN.toMillis() + grace.toMillis();
    }
}
