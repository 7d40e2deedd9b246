package io.tollgate.budget.topology;

import io.tollgate.policy.deadletter.StreamsDeadLetters;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tollgate.policy.scope.Keys;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.ApiKeyPolicy;
import io.tollgate.schemas.avro.BudgetAction;
import io.tollgate.schemas.avro.BudgetAlert;
import io.tollgate.schemas.avro.BudgetPolicy;
import io.tollgate.schemas.avro.ModelLimit;
import io.tollgate.schemas.avro.OrgSettings;
import io.tollgate.schemas.avro.PeriodType;
import io.tollgate.schemas.avro.Policy;
import io.tollgate.schemas.avro.QuotaStatus;
import io.tollgate.schemas.avro.RoutingCommand;
import io.tollgate.schemas.avro.ScopeType;
import io.tollgate.schemas.avro.SpendTotal;
import io.tollgate.schemas.avro.TierPolicy;
import io.tollgate.schemas.registry.SchemaRegistries;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;

/**
 * Drives {@link BudgetTopology} with {@link TopologyTestDriver} on a mock:// registry scope of its
 * own, an explicit wall clock and a state directory that survives {@link #restart()}.
 */
final class TopologyFixture implements AutoCloseable {

    static final Duration CHECK = Duration.ofSeconds(1);

    private final String scope = "budget-test-" + UUID.randomUUID();
    private final Topics topics = Topics.forRegistry("mock://" + scope);
    private final Path stateDir;
    private final BudgetTopology.Settings settings;
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();

    private static final List<String> CHANGELOGGED = List.of(BudgetTopology.BUDGET_STATE_STORE,
            BudgetTopology.COMMAND_STORE, BudgetTopology.ALERT_HISTORY_STORE, BudgetTopology.QUOTA_HISTORY_STORE);
    private final Map<String, List<TestRecord<byte[], byte[]>>> changelogs = new HashMap<>();
    private final List<TestRecord<String, Policy>> policyLog = new ArrayList<>();

    private TopologyTestDriver driver;
    private long wallClock;
    TestInputTopic<String, SpendTotal> spend;
    TestInputTopic<String, Policy> policies;
    TestInputTopic<String, QuotaStatus> quota;
    TestInputTopic<String, byte[]> rawSpend;
    TestInputTopic<byte[], byte[]> rawPolicies;
    /** Policy records the global store refused, as its dead-letter publisher got them. */
    final List<io.tollgate.policy.deadletter.DeadLetter> policyDeadLetters = new ArrayList<>();
    TestOutputTopic<String, BudgetAlert> alerts;
    TestOutputTopic<String, RoutingCommand> commands;
    TestOutputTopic<byte[], byte[]> deadLetters;

    TopologyFixture(Path stateDir, Instant wallClock) {
        this(stateDir, wallClock, Duration.ofHours(2));
    }

    TopologyFixture(Path stateDir, Instant wallClock, Duration forecastHorizon) {
        this.stateDir = stateDir;
        this.wallClock = wallClock.toEpochMilli();
        this.settings = new BudgetTopology.Settings("budget-alerts-test", io.tollgate.policy.calendar.Calendar.UTC,
                io.tollgate.policy.limits.QuotaWarning.DEFAULT, CHECK,
                Duration.ofHours(1), Duration.ofMinutes(5), forecastHorizon, 3, Duration.ofDays(30));
        open();
    }

    private void open() {
        StreamsBuilder builder = new StreamsBuilder();
        TopologyMetrics metrics = new TopologyMetrics(meters);
        BudgetTopology.build(builder, settings, topics, metrics, policyDeadLetters::add);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, settings.applicationId());
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        StreamsDeadLetters.install(props, failure -> metrics.handled(failure.name()), letter -> { });
        driver = new TopologyTestDriver(builder.build(), props, Instant.ofEpochMilli(wallClock));
        spend = driver.createInputTopic(Topics.SPEND, Serdes.String().serializer(), topics.spend().valueSerde().serializer());
        rawSpend = driver.createInputTopic(Topics.SPEND, Serdes.String().serializer(), Serdes.ByteArray().serializer());
        policies = driver.createInputTopic(Topics.POLICIES, Serdes.String().serializer(), topics.policies().valueSerde().serializer());
        rawPolicies = driver.createInputTopic(Topics.POLICIES, Serdes.ByteArray().serializer(), Serdes.ByteArray().serializer());
        quota = driver.createInputTopic(Topics.QUOTA_STATUS, Serdes.String().serializer(), topics.quotaStatus().valueSerde().serializer());
        alerts = driver.createOutputTopic(Topics.ALERTS, Serdes.String().deserializer(), topics.alerts().valueSerde().deserializer());
        commands = driver.createOutputTopic(Topics.COMMANDS, Serdes.String().deserializer(), topics.commands().valueSerde().deserializer());
        deadLetters = driver.createOutputTopic(Topics.DEAD_LETTER, Serdes.ByteArray().deserializer(), Serdes.ByteArray().deserializer());
    }

    /**
     * Closes the driver and opens a new one, like a process restart. TopologyTestDriver wipes its
     * state directory on close and cannot restore from changelogs itself, so this does what Kafka
     * Streams does on a restart: the stores get back exactly what their changelog topics hold, and
     * the global store reloads the policy topic.
     */
    void restart() {
        for (String store : CHANGELOGGED) {
            changelogs.computeIfAbsent(store, s -> new ArrayList<>())
                    .addAll(driver.createOutputTopic(changelog(store), Serdes.ByteArray().deserializer(),
                            Serdes.ByteArray().deserializer()).readRecordsToList());
        }
        driver.close();
        open();
        for (String store : CHANGELOGGED) {
            restore(store, changelogs.getOrDefault(store, List.of()));
        }
        List<TestRecord<String, Policy>> reload = List.copyOf(policyLog);
        policyLog.clear();
        reload.forEach(r -> pipePolicy(r.key(), r.value()));
    }

    private String changelog(String store) {
        return settings.applicationId() + "-" + store + "-changelog";
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private void restore(String store, List<TestRecord<byte[], byte[]>> records) {
        KeyValueStore target = driver.getKeyValueStore(store);
        Deserializer<?> values = switch (store) {
            case BudgetTopology.BUDGET_STATE_STORE -> new StateSerde<>(BudgetState.class).deserializer();
            case BudgetTopology.COMMAND_STORE -> new StateSerde<>(PublishedCommand.class).deserializer();
            default -> topics.alerts().valueSerde().deserializer();
        };
        for (TestRecord<byte[], byte[]> r : records) {
            String key = Serdes.String().deserializer().deserialize(changelog(store), r.key());
            if (r.value() == null) {
                target.delete(key);
            } else {
                target.put(key, values.deserialize(changelog(store), r.value()));
            }
        }
    }

    private void pipePolicy(String key, Policy value) {
        policyLog.add(new TestRecord<>(key, value));
        policies.pipeInput(key, value, wallClock);
    }

    TopologyTestDriver driver() {
        return driver;
    }

    long now() {
        return wallClock;
    }

    /** Moves the wall clock, running punctuations at every check interval on the way. */
    void advance(Duration by) {
        long remaining = by.toMillis();
        while (remaining > 0) {
            long step = Math.min(remaining, CHECK.toMillis());
            driver.advanceWallClockTime(Duration.ofMillis(step));
            wallClock += step;
            remaining -= step;
        }
    }

    /** Jumps the wall clock in one step (a single punctuation). */
    void jump(Duration by) {
        driver.advanceWallClockTime(by);
        wallClock += by.toMillis();
    }

    void budget(ScopeType type, String id, PeriodType period, long limit, Long hard, List<Integer> thresholds,
                BudgetAction action, String downgradeTo, String zone) {
        BudgetPolicy budget = BudgetPolicy.newBuilder().setScopeType(type).setScopeId(id).setPeriod(period)
                .setZone(zone).setLimitMicros(limit).setHardLimitMicros(hard).setThresholdsPercent(thresholds)
                .setAction(action).setDowngradeTo(downgradeTo).build();
        pipePolicy(io.tollgate.policy.records.PolicyRecords.budgetKey(type, id, period), new Policy(budget, wallClock, "test"));
    }

    void deleteBudget(ScopeType type, String id, PeriodType period) {
        pipePolicy(io.tollgate.policy.records.PolicyRecords.budgetKey(type, id, period), null);
    }

    void teamDayBudget(long limit, BudgetAction action) {
        budget(ScopeType.TEAM, "acme", PeriodType.DAY, limit, null, List.of(50, 80, 100), action,
                action == BudgetAction.DOWNGRADE ? "sim-small" : null, "UTC");
    }

    void orgSettings(String zone, int warningPercent) {
        pipePolicy("org:settings", new Policy(new OrgSettings(zone, 0, warningPercent), wallClock, "test"));
    }

    void tenant(String name, String zone, Integer resetHour) {
        pipePolicy("tenant:" + name, new Policy(new io.tollgate.schemas.avro.TenantPolicy(name, zone, resetHour), wallClock, "test"));
    }

    void apiKey(String id, String tier, List<ModelLimit> overrides) {
        ApiKeyPolicy key = ApiKeyPolicy.newBuilder().setKeyId(id).setKeyHash("00").setTenant("acme").setTeam("research")
                .setAgent("planner").setTier(tier).setLimitOverrides(overrides).build();
        pipePolicy("key:" + id, new Policy(key, wallClock, "test"));
    }

    void tier(String name, List<ModelLimit> limits) {
        pipePolicy("tier:" + name, new Policy(new TierPolicy(name, limits), wallClock, "test"));
    }

    /** A SpendTotal of team:acme for the day of {@code dayKey}. */
    SpendTotal teamSpend(String dayKey, long cost, long updatedAt) {
        return spendTotal(ScopeType.TEAM, "acme", PeriodType.DAY, dayKey, cost, updatedAt);
    }

    static SpendTotal spendTotal(ScopeType type, String id, PeriodType period, String periodKey, long cost, long updatedAt) {
        return SpendTotal.newBuilder().setScopeType(type).setScopeId(id).setPeriod(period).setPeriodKey(periodKey)
                .setCostMicros(cost).setCostByModel(Map.of("sim-large", cost * 3 / 4, "sim-small", cost - cost * 3 / 4))
                .setCostByAgent(Map.of("planner", cost / 2, "researcher", cost - cost / 2))
                .setUpdatedAt(updatedAt).setLastEventTime(updatedAt).build();
    }

    void pipe(SpendTotal total, long timestamp) {
        spend.pipeInput(Keys.spend(total.getScopeType(), total.getScopeId(), total.getPeriodKey()), total, timestamp);
    }

    /** Pipes a spend total stamped with the current wall clock. */
    void pipe(SpendTotal total) {
        pipe(total, wallClock);
    }

    @Override
    public void close() {
        driver.close();
        SchemaRegistries.dropScope(scope);
    }
}
