package io.tollgate.budget.topology;

import io.micrometer.core.instrument.MeterRegistry;
import io.tollgate.policy.records.PolicyRecordCheck;
import io.tollgate.schemas.avro.AlertKind;
import io.tollgate.schemas.avro.CommandAction;

/** Counters of what the topology emitted and refused, exported on /metrics. */
public final class TopologyMetrics {

    private final MeterRegistry registry;

    public TopologyMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void alert(AlertKind kind) {
        registry.counter("tollgate.budget.alerts.emitted", "kind", kind.name()).increment();
    }

    void command(CommandAction action) {
        registry.counter("tollgate.budget.commands.emitted", "action", action.name()).increment();
    }

    void staleSpend() {
        registry.counter("tollgate.budget.spend.stale").increment();
    }

    void invalidBudget() {
        registry.counter("tollgate.budget.policies.invalid").increment();
    }

    void deadLetter(String topic) {
        registry.counter("tollgate.budget.dead.letters", "topic", topic).increment();
    }

    /** A policy record the global store did not apply ({@code tollgate_budget_policy_refused_total{reason}}). */
    void policyRefused(PolicyRecordCheck.Problem problem) {
        registry.counter("tollgate.budget.policy.refused", "reason", problem.name()).increment();
    }

    /** A record dead-lettered by the Streams error handlers ({@code tollgate_budget_errors_total{reason}}). */
    public void handled(String reason) {
        registry.counter("tollgate.budget.errors", "reason", reason).increment();
    }

}
