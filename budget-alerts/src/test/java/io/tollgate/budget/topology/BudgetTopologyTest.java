package io.tollgate.budget.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.schemas.avro.AlertKind;
import io.tollgate.schemas.avro.BudgetAction;
import io.tollgate.schemas.avro.BudgetAlert;
import io.tollgate.schemas.avro.CommandAction;
import io.tollgate.schemas.avro.PeriodType;
import io.tollgate.schemas.avro.RoutingCommand;
import io.tollgate.schemas.avro.ScopeType;
import io.tollgate.schemas.avro.SpendTotal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BudgetTopologyTest {

    private static final Instant NOON = Instant.parse("2026-11-21T12:00:00Z");
    private static final String DAY = "2026-11-21";
    private static final long DOLLAR = 1_000_000L;

    @TempDir
    Path stateDir;

    private TopologyFixture fixture;

    @AfterEach
    void close() {
        if (fixture != null) {
            fixture.close();
        }
    }

    @Test
    void shouldAlertEachThresholdOnceWhenCrossedOneByOne() {
        // Given a daily $1 budget that downgrades at 100 %
        fixture = new TopologyFixture(stateDir, NOON);
        fixture.teamDayBudget(DOLLAR, BudgetAction.DOWNGRADE);

        // When spend climbs past each threshold in turn
        fixture.pipe(fixture.teamSpend(DAY, 400_000, 1));
        assertThat(fixture.alerts.isEmpty()).isTrue();
        fixture.pipe(fixture.teamSpend(DAY, 500_000, 2));
        List<BudgetAlert> first = fixture.alerts.readValuesToList();
        fixture.pipe(fixture.teamSpend(DAY, 700_000, 3));
        fixture.pipe(fixture.teamSpend(DAY, 800_000, 4));
        List<BudgetAlert> second = fixture.alerts.readValuesToList();
        assertThat(fixture.commands.isEmpty()).isTrue();
        fixture.pipe(fixture.teamSpend(DAY, 1_000_000, 5));

        // Then each threshold is alerted once, and 100 % downgrades until the end of the day
        assertThat(first).extracting(BudgetAlert::getAlertId).containsExactly("team:acme@2026-11-21#BUDGET_THRESHOLD:50");
        assertThat(second).extracting(BudgetAlert::getAlertId).containsExactly("team:acme@2026-11-21#BUDGET_THRESHOLD:80");
        List<TestRecord<String, BudgetAlert>> third = fixture.alerts.readRecordsToList();
        assertThat(third).extracting(r -> r.value().getAlertId()).containsExactly("team:acme@2026-11-21#BUDGET_THRESHOLD:100");
        assertThat(third.getFirst().key()).isEqualTo("team:acme");
        RoutingCommand command = single(fixture.commands.readValuesToList());
        assertThat(command.getAction()).isEqualTo(CommandAction.DOWNGRADE);
        assertThat(command.getDowngradeTo()).isEqualTo("sim-small");
        assertThat(command.getUntil()).isEqualTo(Instant.parse("2026-11-22T00:00:00Z").toEpochMilli());
        assertThat(command.getSource()).isEqualTo("budget:team:acme@DAY");
    }

    @Test
    void shouldAlertEveryThresholdInOrderWhenOneUpdateJumpsSeveral() {
        // Given a daily $1 budget that blocks at 100 %
        fixture = new TopologyFixture(stateDir, NOON);
        fixture.teamDayBudget(DOLLAR, BudgetAction.BLOCK);

        // When one update goes from nothing to 120 %
        fixture.pipe(fixture.teamSpend(DAY, 1_200_000, 1));

        // Then 50, 80 and 100 come out in order, with the content a person needs, then one BLOCK
        List<BudgetAlert> alerts = fixture.alerts.readValuesToList();
        assertThat(alerts).extracting(BudgetAlert::getThresholdPercent).containsExactly(50, 80, 100);
        BudgetAlert last = alerts.getLast();
        assertThat(last.getBudgetMicros()).isEqualTo(DOLLAR);
        assertThat(last.getSpendMicros()).isEqualTo(1_200_000);
        assertThat(last.getSharePercent()).isEqualTo(120.0);
        assertThat(last.getTopModels()).extracting(a -> a.getName()).containsExactly("sim-large", "sim-small");
        assertThat(last.getTopModels().getFirst().getAmount()).isEqualTo(900_000);
        assertThat(last.getTopAgents()).extracting(a -> a.getName()).containsExactly("planner", "researcher");
        assertThat(last.getMessage()).contains("team:acme", "$1.20", "$1.00", "120.0%", "blocked", "sim-large $0.90");
        assertThat(fixture.commands.readValuesToList()).extracting(RoutingCommand::getAction).containsExactly(CommandAction.BLOCK);
    }

    @Test
    void shouldNotRepeatAlertsOrCommandsWhenSpendIsReplayed() {
        // Given a budget already past 100 %
        fixture = new TopologyFixture(stateDir, NOON);
        fixture.teamDayBudget(DOLLAR, BudgetAction.BLOCK);
        fixture.pipe(fixture.teamSpend(DAY, 500_000, 1));
        fixture.pipe(fixture.teamSpend(DAY, 1_100_000, 2));
        fixture.alerts.readValuesToList();
        fixture.commands.readValuesToList();

        // When the same totals arrive again, in order, as after a producer retry or a replay
        fixture.pipe(fixture.teamSpend(DAY, 500_000, 1));
        fixture.pipe(fixture.teamSpend(DAY, 1_100_000, 2));
        fixture.pipe(fixture.teamSpend(DAY, 1_100_000, 2));
        fixture.advance(Duration.ofSeconds(3));

        // Then nothing is emitted again
        assertThat(fixture.alerts.isEmpty()).isTrue();
        assertThat(fixture.commands.isEmpty()).isTrue();
    }

    @Test
    void shouldNotRepeatAlertsWhenRestartedOnTheSameStateAndReplayed() {
        // Given 50 and 80 % alerted before a restart
        fixture = new TopologyFixture(stateDir, NOON);
        fixture.teamDayBudget(DOLLAR, BudgetAction.DOWNGRADE);
        fixture.pipe(fixture.teamSpend(DAY, 850_000, 1));
        assertThat(fixture.alerts.readValuesToList()).hasSize(2);

        // When the application restarts on its state directory and the spend topic is replayed
        fixture.restart();
        fixture.pipe(fixture.teamSpend(DAY, 500_000, 0));
        fixture.pipe(fixture.teamSpend(DAY, 850_000, 1));
        assertThat(fixture.alerts.isEmpty()).isTrue();
        fixture.pipe(fixture.teamSpend(DAY, 1_000_000, 2));

        // Then only the threshold not yet alerted comes out
        assertThat(fixture.alerts.readValuesToList()).extracting(BudgetAlert::getThresholdPercent).containsExactly(100);
        assertThat(fixture.commands.readValuesToList()).extracting(RoutingCommand::getAction).containsExactly(CommandAction.DOWNGRADE);
    }

    @Test
    void shouldRestoreAtTheStartOfTheNextDayInTheBudgetZoneWhenTheDayHas25Hours() {
        // Given a Berlin daily budget blocked on 2026-10-25, the day clocks go back (25 hours long)
        Instant evening = Instant.parse("2026-10-25T20:00:00Z");
        fixture = new TopologyFixture(stateDir, evening);
        fixture.budget(ScopeType.TEAM, "acme", PeriodType.DAY, DOLLAR, null, List.of(50, 80, 100), BudgetAction.BLOCK,
                null, "Europe/Berlin");
        fixture.pipe(fixture.teamSpend("2026-10-25", DOLLAR, 1));
        RoutingCommand block = single(fixture.commands.readValuesToList());
        Instant berlinMidnight = Instant.parse("2026-10-25T23:00:00Z");
        assertThat(block.getUntil()).isEqualTo(berlinMidnight.toEpochMilli());

        // When the wall clock passes 22:00Z (24 hours after the day began), then Berlin midnight
        fixture.jump(Duration.between(evening, Instant.parse("2026-10-25T22:30:00Z")));
        assertThat(fixture.commands.isEmpty()).isTrue();
        fixture.jump(Duration.ofMinutes(30));
        fixture.advance(Duration.ofSeconds(1));

        // Then RESTORE comes exactly once, at the start of the new day
        RoutingCommand restore = single(fixture.commands.readValuesToList());
        assertThat(restore.getAction()).isEqualTo(CommandAction.RESTORE);
        assertThat(restore.getIssuedAt()).isGreaterThanOrEqualTo(berlinMidnight.toEpochMilli());
        fixture.advance(Duration.ofSeconds(5));
        assertThat(fixture.commands.isEmpty()).isTrue();
    }

    @Test
    void shouldIgnoreReplayedSpendOfAPeriodThatIsOver() {
        // Given the wall clock on 2026-11-22
        fixture = new TopologyFixture(stateDir, Instant.parse("2026-11-22T08:00:00Z"));
        fixture.teamDayBudget(DOLLAR, BudgetAction.BLOCK);

        // When yesterday's total is replayed from the compacted spend topic
        fixture.pipe(fixture.teamSpend(DAY, 2 * DOLLAR, 1));

        // Then it alerts nothing and blocks nobody
        assertThat(fixture.alerts.isEmpty()).isTrue();
        assertThat(fixture.commands.isEmpty()).isTrue();
    }

    @Test
    void shouldRestoreAsSoonAsARaisedBudgetIsAboveSpendAndNotRealertLater() {
        // Given a blocked scope
        fixture = new TopologyFixture(stateDir, NOON);
        fixture.teamDayBudget(DOLLAR, BudgetAction.BLOCK);
        fixture.pipe(fixture.teamSpend(DAY, 1_100_000, 1));
        fixture.alerts.readValuesToList();
        assertThat(fixture.commands.readValuesToList()).extracting(RoutingCommand::getAction).containsExactly(CommandAction.BLOCK);

        // When the budget is raised to $2 without any new spend
        fixture.teamDayBudget(2 * DOLLAR, BudgetAction.BLOCK);
        fixture.advance(Duration.ofSeconds(1));

        // Then the block is lifted at the next check
        assertThat(fixture.commands.readValuesToList()).extracting(RoutingCommand::getAction).containsExactly(CommandAction.RESTORE);

        // And when spend then reaches the new limit, the block returns but thresholds already alerted stay silent
        fixture.pipe(fixture.teamSpend(DAY, 2 * DOLLAR, 2));
        assertThat(fixture.alerts.isEmpty()).isTrue();
        assertThat(fixture.commands.readValuesToList()).extracting(RoutingCommand::getAction).containsExactly(CommandAction.BLOCK);
    }

    @Test
    void shouldAlertAndDowngradeWhenABudgetIsLoweredBelowSpend() {
        // Given $1.10 spent of a $2 budget (50 % alerted)
        fixture = new TopologyFixture(stateDir, NOON);
        fixture.teamDayBudget(2 * DOLLAR, BudgetAction.DOWNGRADE);
        fixture.pipe(fixture.teamSpend(DAY, 1_100_000, 1));
        assertThat(fixture.alerts.readValuesToList()).extracting(BudgetAlert::getThresholdPercent).containsExactly(50);

        // When the budget is lowered to $1 mid-period, with no new spend
        fixture.teamDayBudget(DOLLAR, BudgetAction.DOWNGRADE);
        fixture.advance(Duration.ofSeconds(1));

        // Then 80 and 100 % are alerted in order and the scope is downgraded
        assertThat(fixture.alerts.readValuesToList()).extracting(BudgetAlert::getThresholdPercent).containsExactly(80, 100);
        assertThat(fixture.commands.readValuesToList()).extracting(RoutingCommand::getAction).containsExactly(CommandAction.DOWNGRADE);
    }

    @Test
    void shouldJudgeABudgetAddedBelowWhatIsAlreadySpentWithoutWaitingForACall() {
        // Given $1.50 spent by a team that has no budget yet
        fixture = new TopologyFixture(stateDir, NOON);
        fixture.pipe(fixture.teamSpend(DAY, 1_500_000, 1));
        assertThat(fixture.alerts.isEmpty()).isTrue();

        // When a $1 budget with action block is added, and no call follows
        fixture.teamDayBudget(DOLLAR, BudgetAction.BLOCK);
        fixture.advance(Duration.ofSeconds(1));

        // Then every threshold is alerted and the team is blocked within one check interval
        assertThat(fixture.alerts.readValuesToList()).extracting(BudgetAlert::getThresholdPercent).containsExactly(50, 80, 100);
        assertThat(fixture.commands.readValuesToList()).extracting(RoutingCommand::getAction).containsExactly(CommandAction.BLOCK);
    }

    @Test
    void shouldEndABlockAtTheEndOfTheTenantsDayWhenTheTenantLivesOnKiritimati() {
        // Given a tenant on Pacific/Kiritimati (UTC+14): its 2026-11-21 runs from 2026-11-20T10:00Z to 2026-11-21T10:00Z
        fixture = new TopologyFixture(stateDir, Instant.parse("2026-11-21T08:00:00Z"));
        fixture.tenant("kiri", "Pacific/Kiritimati", null);
        fixture.budget(ScopeType.TEAM, "t9", PeriodType.DAY, DOLLAR, null, List.of(100), BudgetAction.BLOCK, null, null);

        // When the team's spend of that day (as metering-stream keys it, in the tenant's calendar) passes the budget
        SpendTotal spend = TopologyFixture.spendTotal(ScopeType.TEAM, "t9", PeriodType.DAY, "2026-11-21", 2 * DOLLAR, 1);
        spend.setTenant("kiri");
        fixture.pipe(spend);

        // Then the block lasts until the tenant's next day starts, not until midnight UTC
        RoutingCommand block = single(fixture.commands.readValuesToList());
        assertThat(block.getAction()).isEqualTo(CommandAction.BLOCK);
        assertThat(Instant.ofEpochMilli(block.getUntil())).isEqualTo(Instant.parse("2026-11-21T10:00:00Z"));
    }

    @Test
    void shouldApplyTheAnyConversationBudgetToEachConversation() {
        fixture = new TopologyFixture(stateDir, NOON);
        fixture.budget(ScopeType.CONVERSATION, "*", PeriodType.LIFETIME, DOLLAR, null, List.of(100), BudgetAction.BLOCK,
                null, null);

        fixture.pipe(TopologyFixture.spendTotal(ScopeType.CONVERSATION, "c-1", PeriodType.LIFETIME, "lifetime", 2 * DOLLAR, 1));
        fixture.pipe(TopologyFixture.spendTotal(ScopeType.CONVERSATION, "c-2", PeriodType.LIFETIME, "lifetime", DOLLAR / 2, 1));

        assertThat(fixture.commands.readValuesToList()).extracting(RoutingCommand::getScopeId).containsExactly("c-1");
    }

    @Test
    void shouldRestoreWhenTheBudgetIsDeleted() {
        fixture = new TopologyFixture(stateDir, NOON);
        fixture.teamDayBudget(DOLLAR, BudgetAction.BLOCK);
        fixture.pipe(fixture.teamSpend(DAY, DOLLAR, 1));
        fixture.commands.readValuesToList();

        fixture.deleteBudget(ScopeType.TEAM, "acme", PeriodType.DAY);
        fixture.advance(Duration.ofSeconds(1));

        assertThat(fixture.commands.readValuesToList()).extracting(RoutingCommand::getAction).containsExactly(CommandAction.RESTORE);
    }

    @Test
    void shouldIgnoreAnOlderTotalArrivingAfterANewerOne() {
        // Given 90 % spent, reported at updatedAt 2000
        fixture = new TopologyFixture(stateDir, NOON);
        fixture.teamDayBudget(DOLLAR, BudgetAction.DOWNGRADE);
        fixture.pipe(fixture.teamSpend(DAY, 900_000, 2000));
        fixture.alerts.readValuesToList();

        // When a total stamped earlier (1000) arrives late, even a higher one
        fixture.pipe(fixture.teamSpend(DAY, 1_000_000, 1000));

        // Then it is ignored
        assertThat(fixture.alerts.isEmpty()).isTrue();
        assertThat(fixture.commands.isEmpty()).isTrue();
        assertThat(fixture.meters.counter("tollgate.budget.spend.stale").count()).isEqualTo(1.0);
    }

    @Test
    void shouldKeepTheCommandWhenSpendFallsBackBelowTheLimit() {
        // Given a downgrade caused by an in-flight reservation
        fixture = new TopologyFixture(stateDir, NOON);
        fixture.teamDayBudget(DOLLAR, BudgetAction.DOWNGRADE);
        fixture.pipe(fixture.teamSpend(DAY, 1_050_000, 1));
        fixture.alerts.readValuesToList();
        fixture.commands.readValuesToList();

        // When the call settles lower than reserved and the total falls under the limit
        fixture.pipe(fixture.teamSpend(DAY, 950_000, 2));
        fixture.advance(Duration.ofSeconds(2));
        fixture.pipe(fixture.teamSpend(DAY, 1_010_000, 3));

        // Then nothing flaps: no RESTORE, no second DOWNGRADE, no second alert
        assertThat(fixture.commands.isEmpty()).isTrue();
        assertThat(fixture.alerts.isEmpty()).isTrue();
    }

    @Test
    void shouldBlockAtTheHardLimitWhateverTheAction() {
        // Given an alert-only $1 budget with a $1.50 hard limit
        fixture = new TopologyFixture(stateDir, NOON);
        fixture.budget(ScopeType.TEAM, "acme", PeriodType.DAY, DOLLAR, 1_500_000L, List.of(50, 80, 100),
                BudgetAction.ALERT, null, "UTC");

        // When spend passes the soft limit, then the hard limit
        fixture.pipe(fixture.teamSpend(DAY, 1_200_000, 1));
        List<BudgetAlert> soft = fixture.alerts.readValuesToList();
        assertThat(fixture.commands.isEmpty()).isTrue();
        fixture.pipe(fixture.teamSpend(DAY, 1_500_000, 2));

        // Then the soft limit only alerts; the hard limit alerts and blocks
        assertThat(soft).extracting(BudgetAlert::getThresholdPercent).containsExactly(50, 80, 100);
        BudgetAlert hard = single(fixture.alerts.readValuesToList());
        assertThat(hard.getKind()).isEqualTo(AlertKind.HARD_LIMIT);
        assertThat(hard.getAlertId()).isEqualTo("team:acme@2026-11-21#HARD_LIMIT:100");
        assertThat(hard.getBudgetMicros()).isEqualTo(1_500_000);
        RoutingCommand block = single(fixture.commands.readValuesToList());
        assertThat(block.getAction()).isEqualTo(CommandAction.BLOCK);
        assertThat(block.getReason()).contains("hard limit");
    }

    @Test
    void shouldKeepTheMonthlyBlockWhenTheDailyBudgetRollsOver() {
        // Given a team blocked by its monthly budget and downgraded by its daily one
        fixture = new TopologyFixture(stateDir, Instant.parse("2026-11-21T23:59:00Z"));
        fixture.teamDayBudget(DOLLAR, BudgetAction.DOWNGRADE);
        fixture.budget(ScopeType.TEAM, "acme", PeriodType.MONTH, 10 * DOLLAR, null, List.of(100), BudgetAction.BLOCK, null, "UTC");
        fixture.pipe(fixture.teamSpend(DAY, DOLLAR, 1));
        fixture.pipe(TopologyFixture.spendTotal(ScopeType.TEAM, "acme", PeriodType.MONTH, "2026-11", 10 * DOLLAR, 1));
        List<RoutingCommand> before = fixture.commands.readValuesToList();
        assertThat(before).extracting(RoutingCommand::getAction).containsExactly(CommandAction.DOWNGRADE, CommandAction.BLOCK);
        assertThat(before.getLast().getUntil()).isEqualTo(Instant.parse("2026-12-01T00:00:00Z").toEpochMilli());

        // When the day ends
        fixture.advance(Duration.ofMinutes(2));

        // Then the monthly block stays in force: no RESTORE
        assertThat(fixture.commands.isEmpty()).isTrue();
    }

    @Test
    void shouldDeadLetterATotalWhoseKeyDoesNotMatchItsScope() {
        fixture = new TopologyFixture(stateDir, NOON);
        fixture.teamDayBudget(DOLLAR, BudgetAction.BLOCK);

        // When a total arrives under another scope's key, and a malformed period key
        fixture.spend.pipeInput("team:other@2026-11-21", fixture.teamSpend(DAY, 2 * DOLLAR, 1), NOON.toEpochMilli());
        fixture.pipe(fixture.teamSpend("21.11.2026", 2 * DOLLAR, 1));

        // Then both are dead-lettered with the reason and origin, and nothing is alerted
        var dead = fixture.deadLetters.readRecordsToList();
        assertThat(dead).hasSize(2);
        assertThat(header(dead.get(0), "tollgate.dlq.reason")).isEqualTo("INVALID_RECORD");
        assertThat(header(dead.get(0), "tollgate.dlq.detail")).contains("team:other@2026-11-21", "team:acme@2026-11-21");
        assertThat(header(dead.get(0), "tollgate.dlq.source.topic")).isEqualTo("tollgate.spend.v1");
        assertThat(header(dead.get(0), "tollgate.dlq.source.offset")).isEqualTo("0");
        assertThat(header(dead.get(1), "tollgate.dlq.detail")).contains("21.11.2026", "yyyy-MM-dd");
        assertThat(fixture.alerts.isEmpty()).isTrue();
        assertThat(fixture.meters.counter("tollgate.budget.dead.letters", "topic", "spend").count()).isEqualTo(2.0);
    }

    @Test
    void shouldKeepGoingWhenARecordIsNotAvro() {
        fixture = new TopologyFixture(stateDir, NOON);
        fixture.teamDayBudget(DOLLAR, BudgetAction.BLOCK);

        fixture.rawSpend.pipeInput("team:acme@2026-11-21", new byte[] {1, 2, 3}, NOON.toEpochMilli());
        fixture.pipe(fixture.teamSpend(DAY, 600_000, 1));

        assertThat(fixture.alerts.readValuesToList()).extracting(BudgetAlert::getThresholdPercent).containsExactly(50);
    }

    @Test
    void shouldIgnoreABudgetWithAnUnknownZoneAndKeepServingOthers() {
        // Given a budget whose zone does not exist, and a valid one for another team
        fixture = new TopologyFixture(stateDir, NOON);
        fixture.budget(ScopeType.TEAM, "acme", PeriodType.DAY, DOLLAR, null, List.of(50), BudgetAction.BLOCK, null, "Mars/Base");
        fixture.budget(ScopeType.TEAM, "beta", PeriodType.DAY, DOLLAR, null, List.of(50), BudgetAction.BLOCK, null, "UTC");

        // When both teams spend
        fixture.pipe(fixture.teamSpend(DAY, 2 * DOLLAR, 1));
        fixture.pipe(TopologyFixture.spendTotal(ScopeType.TEAM, "beta", PeriodType.DAY, DAY, 600_000, 1));

        // Then the bad budget is ignored (and counted), and the stream goes on for the other
        assertThat(fixture.alerts.readValuesToList()).extracting(BudgetAlert::getScopeId).containsExactly("beta");
        assertThat(fixture.meters.counter("tollgate.budget.policies.invalid").count()).isGreaterThanOrEqualTo(1.0);
    }

    @Test
    void shouldNotApplyAndDeadLetterPolicyRecordsThatAreUnreadableOrUnderAnotherKey() {
        fixture = new TopologyFixture(stateDir, NOON);
        fixture.teamDayBudget(DOLLAR, BudgetAction.BLOCK);

        // When garbage arrives under the budget's key, and a budget of team:other under team:acme's key
        byte[] key = "budget:team:acme@DAY".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        fixture.rawPolicies.pipeInput(key, "garbage".getBytes(java.nio.charset.StandardCharsets.UTF_8),
                NOON.toEpochMilli());
        io.tollgate.schemas.avro.BudgetPolicy other = io.tollgate.schemas.avro.BudgetPolicy.newBuilder()
                .setScopeType(ScopeType.TEAM).setScopeId("other").setPeriod(PeriodType.DAY).setLimitMicros(1)
                .setThresholdsPercent(java.util.List.of(100)).setAction(BudgetAction.BLOCK).build();
        fixture.policies.pipeInput("budget:team:acme@DAY", new io.tollgate.schemas.avro.Policy(other, 0L, "test"),
                NOON.toEpochMilli());

        // Then neither is applied (the $1 budget stays and judges spend), both are counted and dead-lettered
        fixture.pipe(fixture.teamSpend(DAY, 2 * DOLLAR, 1));
        assertThat(fixture.commands.readValuesToList()).extracting(c -> c.getAction().name()).containsExactly("BLOCK");
        assertThat(fixture.policyDeadLetters).extracting(io.tollgate.policy.deadletter.DeadLetter::reason)
                .containsExactly("UNREADABLE", "KEY_MISMATCH");
        assertThat(fixture.policyDeadLetters.getFirst().topic()).isEqualTo("tollgate.policies.v1");
        assertThat(fixture.meters.counter("tollgate.budget.policy.refused", "reason", "UNREADABLE").count()).isEqualTo(1.0);
        assertThat(fixture.meters.counter("tollgate.budget.policy.refused", "reason", "KEY_MISMATCH").count())
                .isEqualTo(1.0);
    }

    @Test
    void shouldStampDeadLettersNoLaterThanTheWallClockWhenTheRecordIsDatedAhead() {
        fixture = new TopologyFixture(stateDir, NOON);

        fixture.spend.pipeInput("team:other@2026-11-21", fixture.teamSpend(DAY, DOLLAR, 1),
                NOON.plus(java.time.Duration.ofHours(2)).toEpochMilli());

        assertThat(fixture.deadLetters.readRecord().timestamp()).isEqualTo(NOON.toEpochMilli());
    }

    @Test
    void shouldCompareSharesWithoutOverflowWhenSpendIsNearLongMax() {
        assertThat(BudgetRules.reached(Long.MAX_VALUE, DOLLAR, 100)).isTrue();
        assertThat(BudgetRules.reached(Long.MAX_VALUE - 1, Long.MAX_VALUE, 100)).isFalse();
        assertThat(BudgetRules.reached(Long.MAX_VALUE, Long.MAX_VALUE, 100)).isTrue();
        assertThat(BudgetRules.reached(49, 100, 50)).isFalse();
        assertThat(BudgetRules.reached(50, 100, 50)).isTrue();
    }

    private static String header(TestRecord<byte[], byte[]> record, String name) {
        var h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), java.nio.charset.StandardCharsets.UTF_8);
    }

    private static <T> T single(List<T> values) {
        assertThat(values).hasSize(1);
        return values.getFirst();
    }
}
