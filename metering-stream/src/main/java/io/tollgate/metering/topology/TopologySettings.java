package io.tollgate.metering.topology;

import io.tollgate.metering.config.MeteringConfig;
import io.tollgate.metering.metrics.MeteringMetrics;
import io.tollgate.policy.deadletter.DeadLetter;
import io.tollgate.schemas.Topics;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneId;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * What the topologies need to know, and nothing about hosts or ports, so tests build the same topology
 * with a {@code mock://} registry and their own clock.
 *
 * @param grace how far behind the partition's event time a per-minute bucket is still updated (beyond the two
 *              minutes kept); older events count everywhere else but not in the per-minute buckets
 * @param maxFutureSkew how far ahead of the stream thread's wall clock an event time is believed ({@code TimeRule})
 * @param settleAfter how long after its REQUEST was ingested an attempt without RESPONSE is settled as ABANDONED
 * @param dedupeRetention how long (wall clock, from ingest) an eventId is remembered
 * @param pendingRetention how long a settled or orphan attempt is remembered, so its late partner is recognised
 * @param callsRetention how long (wall clock, from ingest) the events of a call are kept for queries by call id
 * @param clock wall clock for {@code updatedAt} fields and store clean-up; the time rule, dedupe, settlement and
 *              call retention use the stream thread's wall clock ({@code currentSystemTimeMs}), which is the same
 *              clock in a running application and the driver's in TopologyTestDriver
 * @param emitInterval how often spend and model health publish the keys that changed (latest value each)
 * @param statusPerCommit publish the latest quota status of each changed key when the task commits instead of per event
 * @param policyDeadLetters where refused policy records go: the global store's thread cannot forward, so a plain
 *                          producer ({@code DeadLetterPublisher}) in the application, a list in tests
 * @param policyChanges the count of policy records the global store's updater applied, one per application
 *                      instance: the processors keep what they read of the store until it changes
 */
public record TopologySettings(
        String applicationId,
        Topics topics,
        ZoneId zone,
        int resetHour,
        Duration grace,
        Duration maxFutureSkew,
        Duration settleAfter,
        Duration dedupeRetention,
        Duration pendingRetention,
        Duration periodRetention,
        Duration healthRetention,
        Duration callsRetention,
        Clock clock,
        Duration emitInterval,
        boolean statusPerCommit,
        MeteringMetrics metrics,
        Consumer<DeadLetter> policyDeadLetters,
        AtomicLong policyChanges) {

    /**
     * Trailing span of 1-second buckets published in quota status. The gateway counts the buckets starting
     * after {@code now - 60 s - 1 bucket} (its fixed per-minute window plus one bucket, see
     * {@code QuotaAdmission}); 4 s more cover clock skew between the gateway writing an event's time and the
     * gateway reading the status.
     */
    public static final Duration STATUS_SPAN = Duration.ofSeconds(65);

    /** Trailing span of buckets kept in the rates store: two minutes, so {@code at=} queries can look back a minute. */
    public static final Duration BUCKET_SPAN = Duration.ofSeconds(120);

    public static TopologySettings from(MeteringConfig config, MeteringMetrics metrics, Clock clock,
                                        Consumer<DeadLetter> policyDeadLetters) {
        return new TopologySettings(config.applicationId(), Topics.forRegistry(config.schemaRegistryUrl()), config.zone(),
                config.resetHour(), config.grace(), config.maxFutureSkew(), config.settleAfter(),
                config.dedupeRetention(), config.pendingRetention(), config.periodRetention(), config.healthRetention(),
                config.callsRetention(), clock, Duration.ofMillis(config.commitIntervalMs()), config.statusPerCommit(),
                metrics, policyDeadLetters, new AtomicLong());
    }

    /** How long buckets stay in the store: the kept span plus the grace for late events. */
    public long bucketRetentionMillis() {
        return BUCKET_SPAN.toMillis() + grace.toMillis();
    }
}
