package io.tollgate.budget.topology;

import io.tollgate.budget.config.BudgetAlertsConfig;
import io.tollgate.budget.forecast.BurnRate;
import io.tollgate.policy.calendar.Calendar;
import io.tollgate.policy.calendar.Periods;
import io.tollgate.policy.limits.QuotaWarning;
import io.tollgate.policy.records.PolicySource;
import io.tollgate.policy.scope.Keys;
import io.tollgate.policy.topic.PolicyStoreUpdater;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.BudgetAlert;
import io.tollgate.schemas.avro.Policy;
import io.tollgate.schemas.avro.QuotaStatus;
import io.tollgate.schemas.avro.RoutingCommand;
import io.tollgate.schemas.avro.SpendTotal;
import io.tollgate.policy.deadletter.DeadLetter;
import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.kstream.Branched;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The budget-alerts topology. Builds into a {@link StreamsBuilder} and does no I/O.
 * <ul>
 *   <li>Inputs: tollgate.spend.v1 (SpendTotal), tollgate.policies.v1 (Policy, as the global store
 *       {@link #POLICY_STORE}), tollgate.quota-status.v1 (QuotaStatus).</li>
 *   <li>Outputs: tollgate.alerts.v1 (BudgetAlert, key scope), tollgate.commands.v1 (RoutingCommand,
 *       key scope), tollgate.dead-letter.v1 (records that make no sense, with reason headers).</li>
 *   <li>Spend is re-keyed by scope (internal topic {@code <app>-spend-by-scope-repartition}) so that
 *       all budgets of a scope (day, month) are judged in one task and give one command.</li>
 *   <li>Stores (persistent, changelogged): {@link #BUDGET_STATE_STORE} (scope@period -> BudgetState,
 *       including the thresholds already alerted), {@link #COMMAND_STORE} (scope -> command in force),
 *       {@link #ALERT_HISTORY_STORE} and {@link #QUOTA_HISTORY_STORE} (alertId -> BudgetAlert).</li>
 * </ul>
 */
public final class BudgetTopology {

    public static final String POLICY_STORE = "budget-policies";
    public static final String BUDGET_STATE_STORE = "budget-state";
    public static final String COMMAND_STORE = "budget-commands";
    public static final String ALERT_HISTORY_STORE = "budget-alert-history";
    public static final String QUOTA_HISTORY_STORE = "quota-alert-history";
    public static final String SPEND_REPARTITION = "spend-by-scope";

    private static final Logger LOG = LoggerFactory.getLogger(BudgetTopology.class);

    /** What the topology needs from the configuration. */
    public record Settings(String applicationId, Calendar defaultCalendar, QuotaWarning defaultQuotaWarning,
                           Duration checkInterval, Duration forecastWindow, Duration forecastMinSpan,
                           Duration forecastHorizon, int topN, Duration alertHistoryRetention) {

        public static Settings from(BudgetAlertsConfig c) {
            return new Settings(c.applicationId(), new Calendar(c.defaultZone(), c.defaultResetHour()),
                    new QuotaWarning(c.defaultQuotaWarningPercent()), c.checkInterval(),
                    c.forecastWindow(), c.forecastMinSpan(), c.forecastHorizon(), c.topN(), c.alertHistoryRetention());
        }
    }

    /** The global policy store of a processor's context, read through the policy module's rules. */
    static PolicySource policySource(ProcessorContext<?, ?> context) {
        org.apache.kafka.streams.state.ReadOnlyKeyValueStore<String, Policy> store = context.getStateStore(POLICY_STORE);
        return store::get;
    }

    private BudgetTopology() {
    }

    /** Builds without a dead-letter publisher for refused policy records (they are logged and counted only). */
    public static void build(StreamsBuilder builder, Settings settings, Topics topics, TopologyMetrics metrics) {
        build(builder, settings, topics, metrics,
                letter -> LOG.warn("policy dead letter not published: {} {}", letter.reason(), letter.detail()));
    }

    /**
     * @param policyDeadLetters where refused policy records go: the global store's thread cannot forward, so a
     *                          plain producer ({@code DeadLetterPublisher}) in the application
     */
    public static void build(StreamsBuilder builder, Settings settings, Topics topics, TopologyMetrics metrics,
                             Consumer<DeadLetter> policyDeadLetters) {
        Serde<String> strings = Serdes.String();
        Serde<SpendTotal> spendSerde = topics.spend().valueSerde();
        Serde<Policy> policySerde = topics.policies().valueSerde();
        Serde<BudgetAlert> alertSerde = topics.alerts().valueSerde();

        // read as bytes and judged record by record (PolicyStoreUpdater): the global thread must never fail
        builder.addGlobalStore(
                Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(POLICY_STORE), strings, policySerde).withLoggingDisabled(),
                Topics.POLICIES, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("policies-source"),
                () -> PolicyStoreUpdater.keepingRecords(POLICY_STORE, policySerde.deserializer(),
                        new PolicyStoreUpdater.Refusals(settings.applicationId(), metrics::policyRefused, policyDeadLetters)));

        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(BUDGET_STATE_STORE),
                strings, new StateSerde<>(BudgetState.class)));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(COMMAND_STORE),
                strings, new StateSerde<>(PublishedCommand.class)));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ALERT_HISTORY_STORE),
                strings, alertSerde));
        builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(QUOTA_HISTORY_STORE),
                strings, alertSerde));

        AlertFactory alerts = new AlertFactory(settings.topN());
        BurnRate burnRate = new BurnRate(settings.forecastWindow(), settings.forecastMinSpan(),
                Duration.ofMillis(Math.max(1_000, settings.forecastWindow().toMillis() / 120)));
        BudgetRules rules = new BudgetRules(alerts, burnRate, settings.forecastHorizon());

        KStream<String, SpendTotal> spend = DeadLetters.route(
                builder.stream(Topics.SPEND, Consumed.with(strings, spendSerde).withName("spend-source")),
                "spend", BudgetTopology::spendProblem, spendSerde, settings.applicationId(), metrics);
        KStream<String, SpecificRecord> budgetOutput = spend
                .selectKey((k, v) -> Keys.scope(v.getScopeType(), v.getScopeId()), Named.as("spend-key-by-scope"))
                .repartition(Repartitioned.with(strings, spendSerde).withName(SPEND_REPARTITION))
                .process(() -> new BudgetEvaluator(rules, settings.defaultCalendar(), settings.defaultQuotaWarning(),
                                settings.checkInterval(), settings.alertHistoryRetention(), metrics),
                        Named.as("budget-evaluator"), BUDGET_STATE_STORE, COMMAND_STORE, ALERT_HISTORY_STORE);
        Map<String, KStream<String, SpecificRecord>> byType = budgetOutput
                .split(Named.as("budget-output-"))
                .branch((k, v) -> v instanceof BudgetAlert, Branched.as("alerts"))
                .branch((k, v) -> v instanceof RoutingCommand, Branched.as("commands"))
                .noDefaultBranch();
        byType.get("budget-output-alerts").mapValues(v -> (BudgetAlert) v, Named.as("budget-alerts-cast"))
                .to(Topics.ALERTS, Produced.with(strings, alertSerde).withName("budget-alerts-sink"));
        byType.get("budget-output-commands").mapValues(v -> (RoutingCommand) v, Named.as("commands-cast"))
                .to(Topics.COMMANDS, Produced.with(strings, topics.commands().valueSerde()).withName("commands-sink"));

        Serde<QuotaStatus> quotaSerde = topics.quotaStatus().valueSerde();
        DeadLetters.route(builder.stream(Topics.QUOTA_STATUS, Consumed.with(strings, quotaSerde).withName("quota-source")),
                        "quota", BudgetTopology::quotaProblem, quotaSerde, settings.applicationId(), metrics)
                .process(() -> new QuotaAlerter(alerts, settings.defaultCalendar(), settings.defaultQuotaWarning(),
                        settings.checkInterval(), settings.alertHistoryRetention(), metrics),
                        Named.as("quota-alerter"), QUOTA_HISTORY_STORE)
                .mapValues(v -> (BudgetAlert) v, Named.as("quota-alerts-cast"))
                .to(Topics.ALERTS, Produced.with(strings, alertSerde).withName("quota-alerts-sink"));
    }

    static String spendProblem(String key, SpendTotal v) {
        String expected = Keys.spend(v.getScopeType(), v.getScopeId(), v.getPeriodKey());
        if (!expected.equals(key)) {
            return "key '" + key + "' does not match the value's scope and period; expected '" + expected + "'";
        }
        if (v.getCostMicros() < 0) {
            return "costMicros is " + v.getCostMicros() + "; expected zero or more";
        }
        return Periods.keyProblem(v.getPeriod(), v.getPeriodKey());
    }

    static String quotaProblem(String key, QuotaStatus v) {
        String expected = Keys.quota(v.getApiKeyId(), v.getModel());
        if (!expected.equals(key)) {
            return "key '" + key + "' does not match the value's key id and model; expected '" + expected + "'";
        }
        if (v.getDayRequests() < 0) {
            return "dayRequests is " + v.getDayRequests() + "; expected zero or more";
        }
        return null;
    }
}
