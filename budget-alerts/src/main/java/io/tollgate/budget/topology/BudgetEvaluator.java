package io.tollgate.budget.topology;

import io.tollgate.budget.forecast.Sample;
import io.tollgate.policy.calendar.Calendar;
import io.tollgate.policy.calendar.Periods;
import io.tollgate.policy.limits.QuotaWarning;
import io.tollgate.policy.records.PolicySource;
import io.tollgate.policy.scope.Keys;
import io.tollgate.schemas.avro.BudgetAlert;
import io.tollgate.schemas.avro.CommandAction;
import io.tollgate.schemas.avro.SpendTotal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Spend totals (re-keyed by scope) against budgets: emits threshold, hard-limit and forecast
 * alerts and the scope's routing command. The spend of every scope and period is kept, budget or
 * not, so that a wall-clock punctuation (every check interval) judges a budget added, lowered,
 * raised or deleted at once, without waiting for the next call; it also ends periods (RESTORE at
 * the next period's start, in the scope's calendar) and prunes the alert history. Outputs are
 * {@link BudgetAlert} and RoutingCommand values.
 */
final class BudgetEvaluator implements Processor<String, SpendTotal, String, SpecificRecord> {

    private static final Logger LOG = LoggerFactory.getLogger(BudgetEvaluator.class);

    private final BudgetRules rules;
    private final Calendar defaultCalendar;
    private final QuotaWarning defaultWarning;
    private final Duration checkInterval;
    private final Duration historyRetention;
    private final TopologyMetrics metrics;

    private ProcessorContext<String, SpecificRecord> context;
    private KeyValueStore<String, BudgetState> states;
    private KeyValueStore<String, PublishedCommand> commands;
    private KeyValueStore<String, BudgetAlert> history;
    private BudgetPolicies policies;

    BudgetEvaluator(BudgetRules rules, Calendar defaultCalendar, QuotaWarning defaultWarning, Duration checkInterval,
                    Duration historyRetention, TopologyMetrics metrics) {
        this.rules = rules;
        this.defaultCalendar = defaultCalendar;
        this.defaultWarning = defaultWarning;
        this.checkInterval = checkInterval;
        this.historyRetention = historyRetention;
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
        this.states = context.getStateStore(BudgetTopology.BUDGET_STATE_STORE);
        this.commands = context.getStateStore(BudgetTopology.COMMAND_STORE);
        this.history = context.getStateStore(BudgetTopology.ALERT_HISTORY_STORE);
        this.policies = new BudgetPolicies(BudgetTopology.policySource(context), defaultCalendar, defaultWarning);
        context.schedule(checkInterval, PunctuationType.WALL_CLOCK_TIME, this::reconcile);
    }

    @Override
    public void process(Record<String, SpendTotal> record) {
        SpendTotal spend = record.value();
        if (spend == null) {
            return;
        }
        long now = context.currentSystemTimeMs();
        String key = Keys.spend(spend.getScopeType(), spend.getScopeId(), spend.getPeriodKey());
        BudgetState old = states.get(key);
        if (old != null && spend.getUpdatedAt() > 0 && spend.getUpdatedAt() < old.spendUpdatedAt()) {
            metrics.staleSpend();
            return; // an older total arriving after a newer one
        }
        Optional<BudgetTerms> terms = policies.budget(spend.getScopeType(), spend.getScopeId(), spend.getPeriod(),
                spend.getTenant()).filter(t -> usable(t, key));
        BudgetState base = old != null ? old : fresh(spend);
        if (base.periodEndMillis() <= now) {
            return; // a replayed total of a period that is over: its alerts and commands are history
        }
        List<Sample> samples = rules.burnRate().record(base.samples(), new Sample(record.timestamp(), spend.getCostMicros()));
        BudgetState updated = base.withSpend(spend.getCostMicros(), spend.getUpdatedAt(),
                new HashMap<>(spend.getCostByModel()), new HashMap<>(spend.getCostByAgent()), samples, spend.getTenant());
        apply(updated, terms.orElse(null), now);
        reconcileScope(updated.scope(), now);
    }

    /** A scope's first total of a period: bounds from the scope's calendar, as metering-stream computed its key. */
    private BudgetState fresh(SpendTotal spend) {
        Periods.Period bounds = policies.calendar(spend.getScopeType(), spend.getScopeId(), spend.getPeriod(),
                spend.getTenant()).periodOfKey(spend.getPeriod(), spend.getPeriodKey());
        return new BudgetState(spend.getScopeType(), spend.getScopeId(), spend.getPeriod(), spend.getPeriodKey(),
                bounds.startMillis(), bounds.endMillis(), 0L, 0L, Map.of(), Map.of(), null,
                List.of(), false, false, null, Demand.NONE, List.of(), spend.getTenant());
    }

    private void apply(BudgetState state, BudgetTerms terms, long now) {
        if (terms == null && state.terms() == null) {
            states.put(state.key(), state); // spend without a budget: kept for a budget that may come
            return;
        }
        BudgetRules.Evaluation evaluation = rules.evaluate(state, terms, now);
        states.put(state.key(), evaluation.state());
        for (BudgetAlert alert : evaluation.alerts()) {
            history.put(alert.getAlertId(), alert);
            context.forward(new Record<>(state.scope(), alert, now));
            metrics.alert(alert.getKind());
        }
    }

    /** Publishes the scope's command when what its budgets demand differs from what is in force. */
    private void reconcileScope(String scope, long now) {
        List<BudgetState> active = new ArrayList<>();
        try (KeyValueIterator<String, BudgetState> it = states.prefixScan(scope + '@', new StringSerializer())) {
            it.forEachRemaining(kv -> {
                if (kv.value.scope().equals(scope) && kv.value.periodEndMillis() > now) {
                    active.add(kv.value);
                }
            });
        }
        PublishedCommand current = commands.get(scope);
        Optional<ScopeCommands.Wanted> wanted = ScopeCommands.decide(active);
        if (wanted.isPresent() && !wanted.get().sameAs(current)) {
            ScopeCommands.Wanted w = wanted.get();
            publish(current, scope, w.action(), w.downgradeTo(), w.until(), w.reason(), w.source(), now);
        } else if (wanted.isEmpty() && current != null && current.action() != CommandAction.RESTORE) {
            String reason = current.until() != null && current.until() <= now
                    ? "period of " + current.source() + " ended" : "budget " + current.source() + " is above spend again";
            publish(current, scope, CommandAction.RESTORE, null, null, reason, current.source(), now);
        }
    }

    private void publish(PublishedCommand previous, String scope, CommandAction action, String downgradeTo, Long until,
                         String reason, String source, long now) {
        long sequence = previous == null ? 1 : previous.sequence() + 1;
        PublishedCommand command = new PublishedCommand(scope, sequence, scope + '#' + sequence + ':' + action.name(),
                action, downgradeTo, until, reason, source, now, 403);
        commands.put(scope, command);
        context.forward(new Record<>(scope, command.toAvro(), now));
        metrics.command(action);
    }

    /** Wall-clock check: budget changes without new spend, ended periods, lapsed commands, old history. */
    private void reconcile(long now) {
        List<KeyValue<String, BudgetState>> all = new ArrayList<>();
        try (KeyValueIterator<String, BudgetState> it = states.all()) {
            it.forEachRemaining(all::add);
        }
        Set<String> touched = new LinkedHashSet<>();
        for (KeyValue<String, BudgetState> kv : all) {
            BudgetState state = kv.value;
            if (state.periodEndMillis() <= now) {
                states.delete(kv.key);
                touched.add(state.scope());
                continue;
            }
            BudgetTerms terms = policies.budget(state.scopeType(), state.scopeId(), state.period(), state.tenant())
                    .filter(t -> usable(t, kv.key)).orElse(null);
            if (!Objects.equals(terms, state.terms())) {
                apply(state, terms, now);
                touched.add(state.scope());
            }
        }
        try (KeyValueIterator<String, PublishedCommand> it = commands.all()) {
            it.forEachRemaining(kv -> {
                if (kv.value.action() != CommandAction.RESTORE && kv.value.until() != null && kv.value.until() <= now) {
                    touched.add(kv.key);
                }
            });
        }
        touched.forEach(scope -> reconcileScope(scope, now));
        pruneHistory(now);
    }

    private void pruneHistory(long now) {
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

    private boolean usable(BudgetTerms terms, String key) {
        String problem = terms.problem();
        if (problem != null) {
            metrics.invalidBudget();
            LOG.warn("ignoring the budget for {}: {}", key, problem);
            return false;
        }
        return true;
    }
}
