package io.tollgate.gateway.bench;

import io.tollgate.gateway.control.FleetMembership;
import io.tollgate.localstack.EmbeddedKafka;
import io.tollgate.schemas.Topics;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;

/**
 * How soon the fleet's size follows a gateway that joins, leaves, or dies: this JVM holds one member of a
 * group on an embedded broker; a second member runs in a child JVM (same classpath), which either closes its
 * membership (a gateway shutting down) or is killed with SIGKILL (a gateway dying, so only the session timeout
 * removes it). Reported per round: child JVM launched -> counted here (JVM start included), and left or
 * killed -> counted gone.
 * Not part of {@code mvn verify}; command in docs/benchmarks-history.md, "The wired control plane on the real
 * stack". Arguments: rounds (default 3).
 */
public final class FleetMembershipBench {

    private FleetMembershipBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 3 && args[0].equals("member")) {
            member(args[1], args[2]);
            return;
        }
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
        System.out.printf("machine: %d cores, JDK %s; %d rounds%n", Runtime.getRuntime().availableProcessors(),
                Runtime.version(), rounds);
        try (EmbeddedKafka kafka = EmbeddedKafka.builder().build().start()) {
            kafka.createTopics(Topics.specs(), 1);
            Map<String, Object> config = Map.of("bootstrap.servers", kafka.bootstrapServers());
            List<String> rows = new ArrayList<>();
            for (int round = 0; round < rounds; round++) {
                for (boolean kill : new boolean[] {false, true}) {
                    String group = "fleet-bench-" + round + (kill ? "-kill" : "-leave");
                    try (FleetMembership here = new FleetMembership(config, group).start()) {
                        here.awaitJoined(Duration.ofSeconds(30));
                        Process child = new ProcessBuilder(java(), "-cp", System.getProperty("java.class.path"),
                                FleetMembershipBench.class.getName(), "member", kafka.bootstrapServers(), group)
                                .redirectErrorStream(true).start();
                        BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(),
                                StandardCharsets.UTF_8));
                        long started = System.nanoTime();
                        long counted = await(here, n -> n == 2);
                        awaitLine(out, "joined");
                        long gone = System.nanoTime();
                        if (kill) {
                            child.destroyForcibly(); // SIGKILL: no LeaveGroup, the session must expire
                        } else {
                            child.getOutputStream().close(); // the child closes its membership and exits
                        }
                        long countedGone = await(here, n -> n == 1);
                        child.waitFor();
                        rows.add(String.format("| %d | %s | %d | %d |", round, kill ? "SIGKILL" : "close",
                                (counted - started) / 1_000_000, (countedGone - gone) / 1_000_000));
                    }
                }
            }
            System.out.println("| round | how the child ends | child JVM launched -> counted here ms "
                    + "| ended -> counted gone here ms |");
            System.out.println("|---|---|---|---|");
            rows.forEach(System.out::println);
        }
        System.exit(0);
    }

    /** The child: joins, says so, and leaves when its stdin closes. */
    private static void member(String bootstrap, String group) throws Exception {
        try (FleetMembership membership = new FleetMembership(Map.of("bootstrap.servers", bootstrap), group).start()) {
            if (!membership.awaitJoined(Duration.ofSeconds(30))) {
                System.out.println("not joined");
                return;
            }
            System.out.println("joined");
            System.out.flush();
            while (System.in.read() >= 0) {
                // until the parent closes our stdin
            }
        }
    }

    private static long await(FleetMembership membership, IntPredicate size) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!size.test(membership.size())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("fleet size stayed " + membership.size() + " for 60 s");
            }
            Thread.sleep(5);
        }
        return System.nanoTime();
    }

    private static void awaitLine(BufferedReader out, String expected) throws Exception {
        String line;
        while ((line = out.readLine()) != null) {
            if (line.equals(expected)) {
                return;
            }
        }
        throw new IllegalStateException("the member process ended before printing '" + expected + "'");
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
