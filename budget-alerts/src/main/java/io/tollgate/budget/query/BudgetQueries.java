package io.tollgate.budget.query;

import io.tollgate.budget.topology.BudgetPolicies;
import io.tollgate.budget.topology.BudgetState;
import io.tollgate.budget.topology.BudgetTerms;
import io.tollgate.budget.topology.BudgetTopology;
import io.tollgate.budget.topology.PublishedCommand;
import io.tollgate.policy.calendar.Calendar;
import io.tollgate.policy.calendar.Periods;
import io.tollgate.policy.limits.QuotaWarning;
import io.tollgate.policy.scope.Keys;
import io.tollgate.schemas.avro.ApiKeyPolicy;
import io.tollgate.schemas.avro.BudgetAlert;
import io.tollgate.schemas.avro.BudgetPolicy;
import io.tollgate.schemas.avro.Policy;
import io.tollgate.schemas.avro.ScopeType;
import java.util.HashMap;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Answers the REST API from this instance's stores, and merges the answers of all instances
 * ({@link HttpApi} gathers them). Budgets come from the global policy store, which every instance
 * holds whole; their spend, the alert history and the commands from partitioned stores, of which
 * each instance holds its tasks' share.
 */
public final class BudgetQueries {

    private final StoreAccess stores;
    private final Calendar defaultCalendar;
    private final QuotaWarning defaultWarning;

    public BudgetQueries(StoreAccess stores, Calendar defaultCalendar, QuotaWarning defaultWarning) {
        this.stores = stores;
        this.defaultCalendar = defaultCalendar;
        this.defaultWarning = defaultWarning;
    }

    /** Every budget whose scope starts with {@code scopePrefix} (empty = all), with the current period's spend. */
    public List<BudgetView> budgets(String scopePrefix, long now) {
        ReadOnlyKeyValueStore<String, Policy> policies = stores.store(BudgetTopology.POLICY_STORE);
        ReadOnlyKeyValueStore<String, BudgetState> states = stores.store(BudgetTopology.BUDGET_STATE_STORE);
        BudgetPolicies lookup = new BudgetPolicies(policies::get, defaultCalendar, defaultWarning);
        List<BudgetPolicy> budgets = new ArrayList<>();
        Map<String, String> tenantOfScope = new HashMap<>();
        try (KeyValueIterator<String, Policy> it = policies.all()) {
            it.forEachRemaining(kv -> {
                if (kv.value != null && kv.value.getPolicy() instanceof BudgetPolicy budget) {
                    budgets.add(budget);
                } else if (kv.value != null && kv.value.getPolicy() instanceof ApiKeyPolicy key) {
                    // a scope without spend yet: its tenant is the tenant of the keys it groups
                    tenantOfScope.putIfAbsent(Keys.scope(ScopeType.TEAM, key.getTeam()), key.getTenant());
                    tenantOfScope.putIfAbsent(Keys.scope(ScopeType.AGENT, key.getAgent()), key.getTenant());
                    tenantOfScope.putIfAbsent(Keys.scope(ScopeType.API_KEY, key.getKeyId()), key.getTenant());
                }
            });
        }
        List<BudgetView> out = new ArrayList<>();
        for (BudgetPolicy budget : budgets) {
            String scope = Keys.scope(budget.getScopeType(), budget.getScopeId());
            String tenant = budget.getScopeType() == ScopeType.TENANT ? budget.getScopeId()
                    : tenantOfScope.getOrDefault(scope, "");
            BudgetTerms terms = lookup.terms(budget, budget.getScopeId(), tenant);
            // a budget the evaluator ignores (e.g. a zero limit) is not shown as if in force
            if (scope.startsWith(scopePrefix) && terms.problem() == null) {
                out.add(view(scope, budget, terms, states, now));
            }
        }
        out.sort(Comparator.comparing(BudgetView::scope).thenComparing(BudgetView::period));
        return out;
    }

    private static BudgetView view(String scope, BudgetPolicy budget, BudgetTerms terms,
                                   ReadOnlyKeyValueStore<String, BudgetState> states, long now) {
        Periods.Period period = new Calendar(java.time.ZoneId.of(terms.zone()), terms.resetHour())
                .period(budget.getPeriod(), now);
        BudgetState state = states.get(Keys.spend(budget.getScopeType(), budget.getScopeId(), period.key()));
        long spend = state == null ? 0 : state.spendMicros();
        return new BudgetView(scope, budget.getPeriod().name(), period.key(), terms.zone(), period.endMillis(),
                terms.limitMicros(), terms.hardLimitMicros(), spend, spend * 100.0 / terms.limitMicros(),
                terms.action().name(), terms.downgradeTo(), terms.thresholdsPercent(),
                state == null ? List.of() : state.thresholdsEmitted(),
                state == null ? "NONE" : state.demand().name(),
                state == null ? null : state.predictedExhaustionAt());
    }

    /** DOWNGRADE and BLOCK commands in force at {@code now}. */
    public List<PublishedCommand> activeCommands(long now) {
        ReadOnlyKeyValueStore<String, PublishedCommand> commands = stores.store(BudgetTopology.COMMAND_STORE);
        List<PublishedCommand> out = new ArrayList<>();
        try (KeyValueIterator<String, PublishedCommand> it = commands.all()) {
            it.forEachRemaining(kv -> {
                if (kv.value.activeAt(now)) {
                    out.add(kv.value);
                }
            });
        }
        return out;
    }

    /** Alerts (budget and quota) whose scope starts with {@code scopePrefix}, newest first, at most {@code limit}. */
    public List<AlertView> alerts(String scopePrefix, int limit) {
        List<AlertView> out = new ArrayList<>();
        for (String name : List.of(BudgetTopology.ALERT_HISTORY_STORE, BudgetTopology.QUOTA_HISTORY_STORE)) {
            ReadOnlyKeyValueStore<String, BudgetAlert> history = stores.store(name);
            try (KeyValueIterator<String, BudgetAlert> it = history.all()) {
                it.forEachRemaining(kv -> {
                    AlertView view = AlertView.of(kv.value);
                    if (view.scope().startsWith(scopePrefix)) {
                        out.add(view);
                    }
                });
            }
        }
        out.sort(Comparator.comparingLong(AlertView::timestamp).reversed().thenComparing(AlertView::alertId));
        return out.size() > limit ? List.copyOf(out.subList(0, limit)) : out;
    }

    /**
     * One list of budgets from every instance's: each instance lists every budget, but only the one
     * holding the scope's partition knows its spend, so for each (scope, period) the entry with state
     * wins over the others' empty ones.
     */
    public static List<BudgetView> mergeBudgets(List<List<BudgetView>> parts) {
        Map<String, BudgetView> merged = new TreeMap<>();
        parts.forEach(part -> part.forEach(b -> merged.merge(b.scope() + "@" + b.period(), b,
                (a, c) -> hasState(a) ? a : c)));
        List<BudgetView> out = new ArrayList<>(merged.values());
        out.sort(Comparator.comparing(BudgetView::scope).thenComparing(BudgetView::period));
        return out;
    }

    private static boolean hasState(BudgetView b) {
        return b.spendMicros() != 0 || !b.thresholdsReached().isEmpty() || !"NONE".equals(b.demand())
                || b.predictedExhaustionAt() != null;
    }

    /** Every instance's commands in force (each scope lives on one instance), by scope. */
    public static List<PublishedCommand> mergeCommands(List<List<PublishedCommand>> parts) {
        Map<String, PublishedCommand> merged = new TreeMap<>();
        parts.forEach(part -> part.forEach(c -> merged.merge(c.scope(), c, (a, b) -> a.sequence() >= b.sequence() ? a : b)));
        return new ArrayList<>(merged.values());
    }

    /** Every instance's newest {@code limit} alerts merged: the newest {@code limit} of all, newest first. */
    public static List<AlertView> mergeAlerts(List<List<AlertView>> parts, int limit) {
        Map<String, AlertView> byId = new LinkedHashMap<>();
        parts.forEach(part -> part.forEach(a -> byId.putIfAbsent(a.alertId(), a)));
        List<AlertView> out = new ArrayList<>(byId.values());
        out.sort(Comparator.comparingLong(AlertView::timestamp).reversed().thenComparing(AlertView::alertId));
        return out.size() > limit ? List.copyOf(out.subList(0, limit)) : out;
    }
}
