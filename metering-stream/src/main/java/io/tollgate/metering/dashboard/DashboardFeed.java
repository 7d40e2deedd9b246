package io.tollgate.metering.dashboard;

import io.tollgate.metering.config.MeteringConfig;
import io.tollgate.policy.deadletter.DeadLetterPublisher;
import io.tollgate.policy.records.PolicyRecords;
import io.tollgate.policy.records.PolicySnapshot;
import io.tollgate.policy.topic.CompactedView;
import io.tollgate.policy.topic.PolicyView;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.BudgetAlert;
import io.tollgate.schemas.avro.BudgetPolicy;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * What the dashboard needs that metering's stores do not hold: the budgets of {@code tollgate.policies.v1} (read by
 * the policy module's {@link PolicyView} under the one policy-record rule; the records it refuses are dead-lettered
 * by metering's global store already, so here they are only counted) and the newest {@code capacity} alerts of
 * {@code tollgate.alerts.v1} (the policy module's {@link CompactedView}). Each instance reads everything itself.
 */
public final class DashboardFeed implements AutoCloseable {

    static final int DEFAULT_CAPACITY = 50;

    private final PolicySnapshot policies = new PolicySnapshot();
    private final PolicyView policyView;
    private final CompactedView alertView;
    private final Deserializer<BudgetAlert> alerts;
    private final int capacity;
    private final ArrayDeque<BudgetAlert> recent = new ArrayDeque<>();

    private DashboardFeed(MeteringConfig config, int capacity) {
        Topics topics = Topics.forRegistry(config.schemaRegistryUrl());
        this.alerts = topics.alerts().valueSerde().deserializer();
        this.capacity = capacity;
        this.policyView = PolicyView.follow(config.kafka(), topics.policies().valueSerde().deserializer(),
                config.applicationId() + "-dashboard", policies, DeadLetterPublisher.none(), PolicyView.Listener.NONE);
        this.alertView = new CompactedView(config.applicationId() + "-dashboard-alerts", config.kafka(), Topics.ALERTS,
                record -> {
                    if (record.value() != null) {
                        remember(alerts.deserialize(record.topic(), record.headers(), record.value()));
                    }
                }, CompactedView.Refusals.LOG_ONLY).start();
    }

    /** Starts following the policy and alert topics with metering's Kafka settings and registry. */
    public static DashboardFeed start(MeteringConfig config) {
        return start(config, DEFAULT_CAPACITY);
    }

    static DashboardFeed start(MeteringConfig config, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("dashboard alert capacity is " + capacity + "; expected one or more");
        }
        return new DashboardFeed(config, capacity);
    }

    /** Budget policies by policy key ({@code budget:team:acme@DAY}), sorted by key. */
    public Map<String, BudgetPolicy> budgets() {
        Map<String, BudgetPolicy> out = new TreeMap<>();
        for (BudgetPolicy b : policies.budgets()) {
            out.put(PolicyRecords.keyOf(b), b);
        }
        return out;
    }

    /** The newest alerts, newest first (by arrival). */
    public synchronized List<BudgetAlert> alerts() {
        List<BudgetAlert> out = new ArrayList<>(recent);
        Collections.reverse(out);
        return out;
    }

    /** True once both topics were read to the end they had at the start (before that the lists may be partial). */
    public boolean following() {
        return policyView.caughtUp() && alertView.caughtUp();
    }

    public long unreadableRecords() {
        return policyView.refused() + alertView.refused();
    }

    private synchronized void remember(BudgetAlert alert) {
        recent.addLast(alert);
        while (recent.size() > capacity) {
            recent.removeFirst();
        }
    }

    @Override
    public void close() {
        alertView.close();
        policyView.close();
    }
}
