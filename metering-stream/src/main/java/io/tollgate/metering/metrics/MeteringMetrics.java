package io.tollgate.metering.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.tollgate.metering.dlq.DeadLetterReason;
import io.tollgate.policy.records.PolicyRecordCheck;
import java.util.EnumMap;
import java.util.Map;

/**
 * What metering did with records besides counting them plainly, exported on {@code /metrics}: dead letters by
 * reason ({@code tollgate_metering_dead_letters_total{reason}}), repeated event ids
 * ({@code tollgate_metering_duplicates_total}), events dated too far ahead and counted at ingest time
 * ({@code tollgate_metering_clamped_total}), events counted in the current period because theirs was no longer
 * kept ({@code tollgate_metering_late_reassigned_total}), reservations settled as ABANDONED
 * ({@code tollgate_metering_abandoned_total}), RESPONSEs without a REQUEST
 * ({@code tollgate_metering_orphan_responses_total}), and policy records not applied
 * ({@code tollgate_metering_policy_refused_total{reason}}). Registered up front so dashboards see zeros.
 */
public final class MeteringMetrics {

    private final Map<DeadLetterReason, Counter> deadLetters = new EnumMap<>(DeadLetterReason.class);
    private final Map<PolicyRecordCheck.Problem, Counter> policyRefused = new EnumMap<>(PolicyRecordCheck.Problem.class);
    private final Counter duplicates;
    private final Counter clamped;
    private final Counter reassigned;
    private final Counter abandoned;
    private final Counter orphans;

    public MeteringMetrics(MeterRegistry registry) {
        for (DeadLetterReason reason : DeadLetterReason.values()) {
            deadLetters.put(reason, Counter.builder("tollgate.metering.dead.letters")
                    .description("Records sent to the dead-letter topic, by reason")
                    .tag("reason", reason.name())
                    .register(registry));
        }
        for (PolicyRecordCheck.Problem problem : PolicyRecordCheck.Problem.values()) {
            policyRefused.put(problem, Counter.builder("tollgate.metering.policy.refused")
                    .description("Policy records not applied (and dead-lettered), by reason")
                    .tag("reason", problem.name())
                    .register(registry));
        }
        duplicates = Counter.builder("tollgate.metering.duplicates")
                .description("Usage events whose eventId was already counted")
                .register(registry);
        clamped = Counter.builder("tollgate.metering.clamped")
                .description("Usage events dated beyond metering.max-future-skew, counted at their ingest time")
                .register(registry);
        reassigned = Counter.builder("tollgate.metering.late.reassigned")
                .description("Usage events whose own period was no longer kept, counted in the current period")
                .register(registry);
        abandoned = Counter.builder("tollgate.metering.abandoned")
                .description("Reservations settled as ABANDONED: no RESPONSE within metering.settle-after")
                .register(registry);
        orphans = Counter.builder("tollgate.metering.orphan.responses")
                .description("RESPONSE events without a REQUEST, counted at their actual figures")
                .register(registry);
    }

    public void deadLetter(DeadLetterReason reason) {
        deadLetters.get(reason).increment();
    }

    public void policyRefused(PolicyRecordCheck.Problem problem) {
        policyRefused.get(problem).increment();
    }

    public void duplicate() {
        duplicates.increment();
    }

    public void clamped() {
        clamped.increment();
    }

    public void reassigned() {
        reassigned.increment();
    }

    public void abandoned() {
        abandoned.increment();
    }

    public void orphan() {
        orphans.increment();
    }

    public double count(DeadLetterReason reason) {
        return deadLetters.get(reason).count();
    }

    public double refused(PolicyRecordCheck.Problem problem) {
        return policyRefused.get(problem).count();
    }

    public double duplicates() {
        return duplicates.count();
    }

    public double clampedCount() {
        return clamped.count();
    }

    public double reassignedCount() {
        return reassigned.count();
    }

    public double abandonedCount() {
        return abandoned.count();
    }

    public double orphanCount() {
        return orphans.count();
    }
}
