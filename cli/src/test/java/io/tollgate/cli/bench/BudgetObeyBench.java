package io.tollgate.cli.bench;

import io.tollgate.cli.ops.ConnectionOptions;
import io.tollgate.cli.stack.GatewayCaller;
import io.tollgate.cli.stack.StackSettings;
import io.tollgate.cli.stack.TeamsPolicyFile;
import io.tollgate.cli.stack.TollgateStack;
import io.tollgate.cli.stack.TopicRecorder;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.BudgetAlert;
import io.tollgate.schemas.avro.CommandAction;
import io.tollgate.schemas.avro.Phase;
import io.tollgate.schemas.avro.RoutingCommand;
import io.tollgate.schemas.avro.UsageEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * End-to-end budget latency on the whole stack in one JVM (not part of {@code verify}): time from
 * the RESPONSE usage event that takes a team over 100 % of its budget (the record's produce
 * timestamp on {@code tollgate.usage.v1}) to the 100 % alert and the command being received from
 * their topics (read_committed), and to the gateway obeying: the first answer served by the
 * downgrade target (DOWNGRADE teams) or the first refusal (BLOCK teams).
 *
 * <p>Each trial uses a fresh team whose budget is $0.001 a day. The crossing call is one sim-large
 * call whose prompt is 4000 '=' characters: the gateway's o200k count reserves about 70 prompt
 * tokens (under 50 % of the budget), the simulated provider reports about 1000 (over 250 %), so
 * the RESPONSE, not the REQUEST, crosses every threshold at once. The bench checks this per trial.
 * Then the agent probes every {@code probe-ms} with small sim-large calls until the gateway obeys.
 *
 * <p>Baseline in the same run: the RESPONSE event's own hop, produce timestamp to received from
 * {@code tollgate.usage.v1} by the same kind of consumer.
 *
 * <p>Arguments: {@code [trials per action (50)] [warm-up trials per action (5)] [probe-ms (5)]}.
 */
public final class BudgetObeyBench {

    private static final String CROSSING_PROMPT = "=".repeat(4000);

    private record Trial(String team, CommandAction action, long responseAt, long hop, long alert, long command,
                         long obey, long probeCalls) {
    }

    public static void main(String[] args) throws Exception {
        int trials = args.length > 0 ? Integer.parseInt(args[0]) : 50;
        int warmUp = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        long probeMillis = args.length > 2 ? Long.parseLong(args[2]) : 5;
        Path dir = Files.createTempDirectory("budget-obey-bench");
        List<TeamsPolicyFile.Team> teams = new ArrayList<>();
        for (int i = 0; i < trials + warmUp; i++) {
            teams.add(new TeamsPolicyFile.Team("d" + i, "limit_usd: 0.001, action: downgrade, downgrade_to: sim-small"));
            teams.add(new TeamsPolicyFile.Team("b" + i, "limit_usd: 0.001, action: block"));
        }
        Path policyFile = TeamsPolicyFile.write(dir.resolve("tollgate.yaml"), teams);
        long started = System.nanoTime();
        try (TollgateStack stack = TollgateStack.start(StackSettings.ephemeral(policyFile, dir.resolve("data")),
                step -> System.err.println("bench: " + step))) {
            System.err.printf(Locale.ROOT, "bench: stack ready in %d ms%n",
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
            ConnectionOptions connection = new ConnectionOptions(stack.infrastructure().bootstrapServers(),
                    stack.infrastructure().registryUrl());
            Topics topics = Topics.forRegistry(stack.infrastructure().registryUrl());
            try (TopicRecorder<UsageEvent> usage = new TopicRecorder<>(connection, Topics.USAGE,
                         topics.usage().valueSerde().deserializer());
                 TopicRecorder<BudgetAlert> alerts = new TopicRecorder<>(connection, Topics.ALERTS,
                         topics.alerts().valueSerde().deserializer());
                 TopicRecorder<RoutingCommand> commands = new TopicRecorder<>(connection, Topics.COMMANDS,
                         topics.commands().valueSerde().deserializer())) {
                GatewayCaller gateway = new GatewayCaller(stack.gatewayUrl());
                List<Trial> results = new ArrayList<>();
                for (int i = 0; i < trials + warmUp; i++) {
                    for (CommandAction action : List.of(CommandAction.DOWNGRADE, CommandAction.BLOCK)) {
                        String team = (action == CommandAction.DOWNGRADE ? "d" : "b") + i;
                        Trial trial = trial(gateway, team, action, probeMillis, usage, alerts, commands);
                        if (i >= warmUp) {
                            results.add(trial);
                        }
                    }
                }
                report(results, trials, warmUp, probeMillis);
            }
        }
    }

    private static Trial trial(GatewayCaller gateway, String team, CommandAction action, long probeMillis,
                               TopicRecorder<UsageEvent> usage, TopicRecorder<BudgetAlert> alerts,
                               TopicRecorder<RoutingCommand> commands) throws Exception {
        GatewayCaller.Answer crossing = gateway.call(team, "sim-large", 1, CROSSING_PROMPT);
        if (crossing.status() != 200 || !crossing.model().equals("sim-large")) {
            throw new IllegalStateException("crossing call of " + team + " answered " + crossing.status() + " by '"
                    + crossing.model() + "': " + crossing.body());
        }
        long obeyedAt = 0;
        long probes = 0;
        while (obeyedAt == 0) {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(probeMillis));
            GatewayCaller.Answer probe = gateway.call(team, "sim-large", 1);
            probes++;
            boolean obeyed = action == CommandAction.DOWNGRADE ? probe.status() == 200 && probe.model().equals("sim-small")
                    : probe.status() == 403;
            if (obeyed) {
                obeyedAt = probe.answeredAtMillis();
            } else if (probe.status() != 200 || !probe.model().equals("sim-large")) {
                throw new IllegalStateException("probe of " + team + " answered " + probe.status() + " by '"
                        + probe.model() + "': " + probe.body());
            } else if (probes > 20_000) {
                throw new IllegalStateException(team + " was not " + action + "ed after " + probes + " probes");
            }
        }
        TopicRecorder.Received<UsageEvent> response = awaitOne(() -> usage.all().stream()
                .filter(r -> r.value().getCallId().equals(crossing.callId()) && r.value().getPhase() == Phase.RESPONSE)
                .findFirst(), "RESPONSE of " + crossing.callId());
        UsageEvent event = response.value();
        long budgetMicros = 1_000;
        if (event.getReservedCostMicros() >= budgetMicros / 2 || event.getCostMicros() < budgetMicros) {
            throw new IllegalStateException("the crossing call of " + team + " reserved " + event.getReservedCostMicros()
                    + " and cost " + event.getCostMicros() + " micro-dollars: the RESPONSE would not be what crosses "
                    + budgetMicros);
        }
        TopicRecorder.Received<BudgetAlert> alert = awaitOne(() -> alerts.all().stream()
                .filter(r -> r.value().getScopeId().equals(team) && r.value().getThresholdPercent() == 100)
                .findFirst(), "100 % alert of " + team);
        TopicRecorder.Received<RoutingCommand> command = awaitOne(() -> commands.all().stream()
                .filter(r -> r.value().getScopeId().equals(team) && r.value().getAction() == action)
                .findFirst(), action + " command of " + team);
        long at = response.recordTimestamp();
        return new Trial(team, action, at, response.receivedAtMillis() - at, alert.receivedAtMillis() - at,
                command.receivedAtMillis() - at, obeyedAt - at, probes);
    }

    private static <T> T awaitOne(Supplier<Optional<T>> find, String what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            Optional<T> found = find.get();
            if (found.isPresent()) {
                return found.get();
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
        }
        throw new IllegalStateException("no " + what + " within 30 s");
    }

    private static void report(List<Trial> results, int trials, int warmUp, long probeMillis) {
        System.out.printf(Locale.ROOT, "%n%d trials per action after %d warm-up, probe every %d ms; ms from the "
                + "crossing RESPONSE's produce timestamp%n", trials, warmUp, probeMillis);
        System.out.println("| action | metric | p50 | p99 | max |");
        System.out.println("|---|---|---|---|---|");
        for (CommandAction action : List.of(CommandAction.DOWNGRADE, CommandAction.BLOCK)) {
            List<Trial> of = results.stream().filter(t -> t.action() == action).toList();
            row(action, "baseline: RESPONSE event received from usage topic", of.stream().mapToLong(Trial::hop).toArray());
            row(action, "100 % alert received", of.stream().mapToLong(Trial::alert).toArray());
            row(action, action + " command received", of.stream().mapToLong(Trial::command).toArray());
            row(action, action == CommandAction.DOWNGRADE ? "first answer served by sim-small" : "first 403 refusal",
                    of.stream().mapToLong(Trial::obey).toArray());
            row(action, "probe calls until obeyed (count)", of.stream().mapToLong(Trial::probeCalls).toArray());
        }
    }

    private static void row(CommandAction action, String metric, long[] values) {
        long[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        System.out.printf(Locale.ROOT, "| %s | %s | %d | %d | %d |%n", action, metric, nearestRank(sorted, 0.50),
                nearestRank(sorted, 0.99), sorted[sorted.length - 1]);
    }

    /** Nearest-rank percentile: with fewer than 100 samples p99 is the maximum. */
    private static long nearestRank(long[] sorted, double quantile) {
        int rank = (int) Math.ceil(quantile * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    private BudgetObeyBench() {
    }
}
