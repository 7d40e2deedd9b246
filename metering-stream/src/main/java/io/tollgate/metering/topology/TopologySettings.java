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

    /**
     * Trailing span of 1-second buckets published in quota status. The gateway counts the buckets starting
     * after {@code now - 60 s - 1 bucket} (its fixed per-minute window plus one bucket, see
     * {@code QuotaAdmission}); 4 s more cover clock skew between the gateway writing an event's time and the
     * gateway reading the status. Was 120 s: twice the buckets per status record for nothing read.
     */
    public static final Duration STATUS_SPAN = Duration.ofSeconds(65);

    /** Trailing span of buckets kept in the rates store: two minutes, so {@code at=} queries can look back a minute. */
    public static final Duration BUCKET_SPAN = Duration.ofSeconds(120);

    public static TopologySettings from(MeteringConfig config, DeadLetterMetrics metrics, Clock clock) {
        return new TopologySettings(config.applicationId(), Topics.forRegistry(config.schemaRegistryUrl()), config.zone(),
                config.resetHour(), config.grace(), config.dedupeRetention(), config.pendingRetention(),
                config.periodRetention(), config.healthRetention(), clock,
                Duration.ofMillis(config.commitIntervalMs()), config.statusPerCommit(), metrics);
    }

    /** How long buckets stay in the store: the kept span plus the grace for late events. */
    public long bucketRetentionMillis() {
        return BUCKET_SPAN.toMillis() + grace.toMillis();
    }
}
