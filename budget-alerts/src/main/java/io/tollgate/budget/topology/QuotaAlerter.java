package io.tollgate.budget.topology;

import io.tollgate.policy.scope.Keys;
import io.tollgate.schemas.avro.AlertKind;
import io.tollgate.schemas.avro.BudgetAlert;
import io.tollgate.schemas.avro.QuotaStatus;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Quota status snapshots against the key's daily request quota (key override, else tier limit):
 * QUOTA_WARNING when the organisation's warning share is reached, QUOTA_EXHAUSTED when the quota
 * is used up; each once per key, model and day. The history store doubles as the record of what
 * was emitted, which is why its retention must outlast a day.
 */
final class QuotaAlerter implements Processor<String, QuotaStatus, String, SpecificRecord> {

    private final AlertFactory alerts;
    private final ZoneId defaultZone;
    private final int defaultWarningPercent;
    private final Duration checkInterval;
    private final Duration historyRetention;
    private final TopologyMetrics metrics;

    private ProcessorContext<String, SpecificRecord> context;
    private KeyValueStore<String, BudgetAlert> history;
    private PolicyLookup policies;

    QuotaAlerter(AlertFactory alerts, ZoneId defaultZone, int defaultWarningPercent, Duration checkInterval,
                 Duration historyRetention, TopologyMetrics metrics) {
        this.alerts = alerts;
        this.defaultZone = defaultZone;
        this.defaultWarningPercent = defaultWarningPercent;
        this.checkInterval = checkInterval;
        this.historyRetention = historyRetention;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
        this.history = context.getStateStore(BudgetTopology.QUOTA_HISTORY_STORE);
        this.policies = new PolicyLookup(context.getStateStore(BudgetTopology.POLICY_STORE), defaultZone, defaultWarningPercent);
        context.schedule(checkInterval, PunctuationType.WALL_CLOCK_TIME, this::prune);
    }

    @Override
    public void process(Record<String, QuotaStatus> record) {
        QuotaStatus status = record.value();
        if (status == null || status.getDayKey().isEmpty()) {
            return;
        }
        long now = context.currentSystemTimeMs();
        if (status.getDayEndMillis() > 0 && status.getDayEndMillis() <= now) {
            return; // a replayed snapshot of a day that is over
        }
        Optional<Long> limit = policies.requestsPerDay(status.getApiKeyId(), status.getModel()).filter(l -> l > 0);
        if (limit.isEmpty()) {
            return;
        }
        long used = status.getDayRequests();
        int warning = policies.quotaWarningPercent();
        if (BudgetRules.reached(used, limit.get(), warning)) {
            emit(alerts.quota(status.getApiKeyId(), status.getModel(), status.getDayKey(), AlertKind.QUOTA_WARNING,
                    warning, used, limit.get(), now), now);
        }
        if (used >= limit.get()) {
            emit(alerts.quota(status.getApiKeyId(), status.getModel(), status.getDayKey(), AlertKind.QUOTA_EXHAUSTED,
                    100, used, limit.get(), now), now);
        }
    }

    private void emit(BudgetAlert alert, long now) {
        if (history.get(alert.getAlertId()) != null) {
            return;
        }
        history.put(alert.getAlertId(), alert);
        context.forward(new Record<>(Keys.scope(alert.getScopeType(), alert.getScopeId()), alert, now));
        metrics.alert(alert.getKind());
    }

    private void prune(long now) {
        long cutoff = now - historyRetention.toMillis();
        List<String> old = new ArrayList<>();
        try (KeyValueIterator<String, BudgetAlert> it = history.all()) {
            it.forEachRemaining(kv -> {
                if (kv.value.getTimestamp() < cutoff) {
                    old.add(kv.key);
                }
            });
        }
        old.forEach(history::delete);
    }
}
