package io.tollgate.cli.bench;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.cli.fault.FaultChecks;
import io.tollgate.cli.fault.FaultPolicy;
import io.tollgate.cli.fault.FaultStack;
import io.tollgate.cli.fault.Ledger;
import io.tollgate.cli.fault.Metered;
import io.tollgate.cli.fault.QueryProbe;
import io.tollgate.cli.fault.RawTopic;
import io.tollgate.cli.fault.ServiceProcess;
import io.tollgate.cli.fault.SteadyLoad;
import io.tollgate.localstack.provider.ServedCounters;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.Phase;
import io.tollgate.schemas.avro.UsageEvent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * The chaos benchmark (not part of {@code verify}; {@code bench/chaos/run.sh}): steady load through Tollgate as in
 * production ({@link FaultStack}: the broker, two metering-stream instances, budget-alerts and two gateways, each a
 * JVM of its own) while, one phase after another, the broker is SIGKILLed and restarted, a gateway is SIGKILLed and
 * restarted, and one of the two metering instances is SIGKILLed (and restarted after its phase). A first phase
 * without a fault is the control. Each phase's calls use teams of their own, so every figure is the phase's alone.
 *
 * <p>Agents call the live gateways (a dead one is left out, as a load balancer would), whole and streamed calls
 * mixed. After the last phase the load stops, the gateways' spools drain, {@code metering.settle.after} passes so
 * that calls cut off in flight are settled ABANDONED, and per phase the bench compares:
 * <ul>
 *   <li>calls sent, and answered in full to the agent;</li>
 *   <li>served: requests the simulated provider received for the phase's models (its exact counters);</li>
 *   <li>on Kafka: distinct call attempts with a usage event on {@code tollgate.usage.v1} (replayed copies of an
 *       event, same event id, are counted once and reported apart);</li>
 *   <li>metered: requests metering-stream counts for the phase's teams, of which ABANDONED;</li>
 *   <li>lost: served requests without any usage event, plus answered calls without a RESPONSE event;</li>
 *   <li>double-counted: metered requests beyond the distinct attempts on Kafka;</li>
 *   <li>cost: metered micro-dollars minus the attempts' own figures (each RESPONSE's cost, or the reservation of
 *       an attempt without RESPONSE): 0 when nothing is lost or counted twice;</li>
 *   <li>query gap: the longest time queries of metering-stream (every team's spend, asked every 200 ms at a live
 *       instance) failed during the phase.</li>
 * </ul>
 *
 * <p>Args ({@code --name value}): {@code --rate} calls/s in total (30), {@code --agents} (6), {@code --phase}
 * seconds of load per phase (45), {@code --down} seconds the broker and the gateway stay down (10),
 * {@code --session-timeout} of the Streams applications' consumer groups (45s, Kafka's default),
 * {@code --out} a file the table is also written to.
 */
public final class ChaosBench {

    private enum Fault {
        NONE("none (control)"),
        BROKER("broker SIGKILLed, restarted"),
        GATEWAY("gateway-1 SIGKILLed, restarted"),
        METERING("metering-1 SIGKILLed (2 running)");

        final String label;

        Fault(String label) {
            this.label = label;
        }

        List<String> teams() {
            String prefix = name().toLowerCase();
            return List.of(prefix + "-a", prefix + "-b");
        }
    }

    /** What one phase's calls came to. */
    private record Row(Fault fault, long sent, long answered, long served, long attempts, long replayed,
                       long metered, long abandoned, long lost, long doubleCounted, long costDeviation, long gapMillis,
                       long startMillis, long endMillis) {
    }

    private ChaosBench() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = options(args);
        double rate = Double.parseDouble(options.getOrDefault("rate", "30"));
        int agents = Integer.parseInt(options.getOrDefault("agents", "6"));
        Duration phase = Duration.ofSeconds(Long.parseLong(options.getOrDefault("phase", "45")));
        Duration down = Duration.ofSeconds(Long.parseLong(options.getOrDefault("down", "10")));
        Duration session = Duration.parse("PT" + options.getOrDefault("session-timeout", "45s").toUpperCase());
        Path out = options.containsKey("out") ? Path.of(options.get("out")) : null;

        List<String> teams = new ArrayList<>();
        for (Fault fault : Fault.values()) {
            teams.addAll(fault.teams());
        }
        Path dir = Files.createTempDirectory("tollgate-chaos-");
        System.out.printf("chaos bench: %.0f calls/s from %d agents, %d s per phase, %d s down, session timeout %s; "
                + "logs in %s%n", rate, agents, phase.toSeconds(), down.toSeconds(), session, dir);
        FaultStack.Settings settings = FaultStack.Settings.forTests(dir, teams).withMetering(2).withGateways(2)
                .withSessionTimeout(session).withJvmOptions(List.of("-Xmx384m", "-XX:+UseSerialGC"));
        long started = System.nanoTime();
        try (FaultStack stack = FaultStack.start(settings)) {
            System.out.printf("stack ready in %d s%n", (System.nanoTime() - started) / 1_000_000_000);
            List<Row> rows = run(stack, rate, agents, phase, down);
            String table = table(rows);
            System.out.println(table);
            if (out != null) {
                Files.writeString(out, table);
            }
        }
    }

    private static List<Row> run(FaultStack stack, double rate, int agents, Duration phase, Duration down)
            throws Exception {
        Ledger ledger = new Ledger(stack);
        Map<Fault, long[]> windows = new LinkedHashMap<>();
        Fault[] current = {Fault.NONE};
        List<String> queries = new ArrayList<>();
        for (Fault fault : Fault.values()) {
            fault.teams().forEach(team -> queries.add("/v1/spend/team/" + team));
        }
        try (RawTopic usage = new RawTopic(stack.connection(), Topics.USAGE);
             QueryProbe probe = new QueryProbe(() -> liveMetering(stack), queries, Duration.ofMillis(200));
             SteadyLoad load = new SteadyLoad(stack, ledger, () -> liveGateways(stack), () -> current[0].teams(), agents,
                     rate / agents)) {
            pause(Duration.ofSeconds(20)); // warm-up under the control phase's teams
            for (Fault fault : Fault.values()) {
                current[0] = fault;
                long start = System.currentTimeMillis();
                System.out.printf("%s phase: %s%n", Instant.ofEpochMilli(start), fault.label);
                pause(phase.dividedBy(3));
                inject(stack, fault, down);
                pause(phase.multipliedBy(2).dividedBy(3));
                windows.put(fault, new long[] {start, System.currentTimeMillis()});
            }
            load.close();
            System.out.printf("%s load stopped; metering-1 is restarted, spools drain, calls cut off settle%n",
                    Instant.now());
            if (!stack.metering().getFirst().process().isAlive()) {
                stack.metering().getFirst().start();
            }
            drained(stack);
            // the last REQUEST may be settled only metering.settle.after (+ a tenth) after it was ingested
            pause(stack.settings().settleAfter().plus(stack.settings().settleAfter().dividedBy(10))
                    .plusSeconds(10));
            settled(stack);
            List<Row> rows = new ArrayList<>();
            for (Fault fault : Fault.values()) {
                long[] window = windows.get(fault);
                rows.add(row(stack, fault, load.sent(), usage.records(), probe, window[0], window[1]));
            }
            return rows;
        }
    }

    private static void inject(FaultStack stack, Fault fault, Duration down) {
        switch (fault) {
            case NONE -> { }
            case BROKER -> {
                stack.broker().kill();
                System.out.printf("%s broker killed%n", Instant.now());
                pause(down);
                stack.broker().restart();
                System.out.printf("%s broker serving again%n", Instant.now());
            }
            case GATEWAY -> {
                ServiceProcess gateway = stack.gateways().getFirst();
                gateway.kill();
                System.out.printf("%s gateway-1 killed%n", Instant.now());
                pause(down);
                gateway.start();
                System.out.printf("%s gateway-1 ready again%n", Instant.now());
            }
            case METERING -> {
                stack.metering().getFirst().kill();
                System.out.printf("%s metering-1 killed%n", Instant.now());
            }
        }
    }

    private static Row row(FaultStack stack, Fault fault, List<SteadyLoad.Sent> sent,
                           List<ConsumerRecord<byte[], byte[]>> usage, QueryProbe probe, long start, long end) {
        Set<String> keys = new HashSet<>();
        fault.teams().forEach(team -> keys.add(FaultPolicy.keyId(team)));
        List<SteadyLoad.Sent> calls = sent.stream().filter(s -> fault.teams().contains(s.team())).toList();
        long answered = calls.stream().filter(s -> s.answer().answered()).count();

        // every distinct attempt on Kafka, with its REQUEST's reservation and its RESPONSE's cost when there is one
        Deserializer<UsageEvent> events = stack.topics().usage().valueSerde().deserializer();
        Map<String, long[]> attempts = new HashMap<>(); // attempt -> {reservedCost, responseCost or -1}
        Set<String> eventIds = new HashSet<>();
        Set<String> respondedCalls = new HashSet<>();
        long replayed = 0;
        for (ConsumerRecord<byte[], byte[]> record : usage) {
            UsageEvent e = events.deserialize(Topics.USAGE, record.value());
            if (!keys.contains(e.getApiKeyId())) {
                continue;
            }
            if (!eventIds.add(e.getEventId())) {
                replayed++;
                continue;
            }
            long[] a = attempts.computeIfAbsent(e.getCallId() + "#" + e.getAttempt(), k -> new long[] {0, -1});
            if (e.getPhase() == Phase.REQUEST) {
                a[0] = e.getReservedCostMicros();
            } else {
                a[1] = e.getCostMicros();
                respondedCalls.add(e.getCallId());
            }
        }
        long expectedCost = attempts.values().stream().mapToLong(a -> a[1] >= 0 ? a[1] : a[0]).sum();
        long served = 0;
        for (String team : fault.teams()) {
            ServedCounters.Served s = stack.provider().counters().forModel(FaultPolicy.model(team));
            served += s.requests();
        }
        long metered = 0;
        long abandoned = 0;
        long meteredCost = 0;
        ServiceProcess metering = liveMetering(stack);
        for (String team : fault.teams()) {
            Metered.Spend spend = Metered.teamSpend(metering, team, FaultChecks.today());
            metered += spend.figures().requests();
            abandoned += spend.abandonedCalls();
            meteredCost += spend.figures().costMicros();
        }
        long answeredWithoutResponse = calls.stream().filter(s -> s.answer().answered())
                .filter(s -> !respondedCalls.contains(s.answer().callId())).count();
        long lost = Math.max(0, served - attempts.size()) + answeredWithoutResponse;
        long doubleCounted = Math.max(0, metered - attempts.size());
        long gap = gapWithin(probe.asks(), start, end);
        return new Row(fault, calls.size(), answered, served, attempts.size(), replayed, metered, abandoned, lost,
                doubleCounted, meteredCost - expectedCost, gap, start, end);
    }

    /** The longest run of failed query rounds that began within the phase, to the next answered round. */
    private static long gapWithin(List<QueryProbe.Ask> asks, long start, long end) {
        long longest = 0;
        Long failingSince = null;
        for (QueryProbe.Ask ask : asks) {
            if (!ask.answered() && failingSince == null && ask.atMillis() >= start && ask.atMillis() < end) {
                failingSince = ask.atMillis();
            } else if (ask.answered() && failingSince != null) {
                longest = Math.max(longest, ask.atMillis() - failingSince);
                failingSince = null;
            }
        }
        return longest;
    }

    private static String table(List<Row> rows) {
        StringBuilder t = new StringBuilder();
        t.append("| fault | calls sent | answered | served (provider) | attempts on Kafka (replayed copies) "
                + "| metered (abandoned) | lost | double-counted | metered - expected cost (µ$) | query gap |\n");
        t.append("|---|---|---|---|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            t.append(String.format("| %s | %d | %d | %d | %d (%d) | %d (%d) | %d | %d | %d | %.1f s |%n", r.fault().label,
                    r.sent(), r.answered(), r.served(), r.attempts(), r.replayed(), r.metered(), r.abandoned(), r.lost(),
                    r.doubleCounted(), r.costDeviation(), r.gapMillis() / 1000.0));
        }
        return t.toString();
    }

    /** The gateways a load balancer would send to: started and ready (a killed one is left out until it is again). */
    private static List<ServiceProcess> liveGateways(FaultStack stack) {
        List<ServiceProcess> live = stack.gateways().stream().filter(ServiceProcess::serving).toList();
        return live.isEmpty() ? stack.gateways() : live;
    }

    /** metering-2 while it runs (it is never killed), else the first live one. */
    private static ServiceProcess liveMetering(FaultStack stack) {
        List<ServiceProcess> metering = stack.metering();
        for (int i = metering.size() - 1; i >= 0; i--) {
            if (metering.get(i).process().isAlive()) {
                return metering.get(i);
            }
        }
        return metering.getLast();
    }

    /** Every gateway ready with nothing left in its spool. */
    private static void drained(FaultStack stack) {
        ObjectMapper json = new ObjectMapper();
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            for (ServiceProcess gateway : stack.gateways()) {
                ServiceProcess.Answer ready = gateway.get("/health/ready");
                if (ready.status() != 200 || json.readTree(ready.body()).path("spooledEvents").asLong() != 0) {
                    return false;
                }
            }
            return true;
        });
    }

    /** Every team's spend stable across two readings 5 s apart, with nothing in flight. */
    private static void settled(FaultStack stack) {
        await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(5)).until(new java.util.concurrent.Callable<>() {
            private Map<String, Metered.Spend> last = Map.of();

            @Override
            public Boolean call() {
                Map<String, Metered.Spend> now = new HashMap<>();
                ServiceProcess metering = liveMetering(stack);
                boolean nothingInFlight = true;
                for (Fault fault : Fault.values()) {
                    for (String team : fault.teams()) {
                        Metered.Spend spend = Metered.teamSpend(metering, team, FaultChecks.today());
                        now.put(team, spend);
                        nothingInFlight &= spend.inFlightMicros() == 0;
                    }
                }
                boolean stable = now.equals(last);
                last = now;
                return stable && nothingInFlight;
            }
        });
    }

    /** A benchmark's schedule (not a test's wait): parks until {@code duration} has passed. */
    private static void pause(Duration duration) {
        long deadline = System.nanoTime() + duration.toNanos();
        long left;
        while ((left = deadline - System.nanoTime()) > 0) {
            LockSupport.parkNanos(left);
        }
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --name value pairs, got '" + args[i] + "'");
            }
            options.put(args[i].substring(2), args[i + 1]);
        }
        return options;
    }
}
