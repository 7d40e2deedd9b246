package io.tollgate.cli.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tollgate.localstack.provider.ServedCounters;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.assertj.core.api.SoftAssertions;

/**
 * The assertions every fault test ends with: a team's figures exact everywhere they are kept (metering-stream's
 * spend of the team and of its key, its daily quota totals, budget-alerts' budget spend; nothing in flight), each
 * refused record in the dead-letter topic with its reason, and every service running and healthy. A failure shows
 * the last lines of every process's output.
 */
public final class FaultChecks {

    /** How long metering-stream and budget-alerts may take to show what was sent (commits, publication, restores). */
    static final Duration CONVERGE = Duration.ofSeconds(90);

    private final FaultStack stack;

    public FaultChecks(FaultStack stack) {
        this.stack = stack;
    }

    /** Today in the stack's calendar (UTC days). */
    public static String today() {
        return LocalDate.now(ZoneOffset.UTC).toString();
    }

    /**
     * Waits until metering-stream (asked at {@code metering}) and budget-alerts count exactly {@code expected} for
     * {@code team} on {@code day}, with nothing in flight: the team's and the key's spend (requests, prompt and
     * completion tokens, cost), the key's daily requests and tokens, and, when {@code day} is today, the budget's spend.
     */
    public Metered.Spend awaitExact(ServiceProcess metering, String team, String day, Figures expected) {
        AtomicReference<Metered.Spend> answered = new AtomicReference<>();
        try {
            await().atMost(CONVERGE).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                Metered.Spend teamSpend = Metered.teamSpend(metering, team, day);
                Metered.Spend keySpend = Metered.keySpend(metering, team, day);
                Metered.Daily daily = Metered.daily(metering, team, day);
                SoftAssertions soft = new SoftAssertions();
                soft.assertThat(teamSpend.figures()).as("metering's spend of team %s on %s", team, day).isEqualTo(expected);
                soft.assertThat(teamSpend.inFlightMicros()).as("team %s in flight", team).isZero();
                soft.assertThat(keySpend.figures()).as("metering's spend of key %s", FaultPolicy.keyId(team))
                        .isEqualTo(expected);
                soft.assertThat(daily).as("metering's daily totals of key %s", FaultPolicy.keyId(team))
                        .isEqualTo(new Metered.Daily(expected.requests(), expected.tokens()));
                if (day.equals(today())) {
                    soft.assertThat(Metered.budgetSpend(stack.budget(), team)).as("budget-alerts' spend of team %s", team)
                            .contains(expected.costMicros());
                }
                soft.assertAll();
                answered.set(teamSpend);
            });
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError(e.getMessage() + "\nprocess output:" + stack.tails(), e);
        }
        return answered.get();
    }

    /** The provider served exactly {@code expected} for the team's model: requests (all succeeded) and tokens. */
    public void assertServed(String team, Figures expected) {
        ServedCounters.Served served = stack.provider().counters().forModel(FaultPolicy.model(team));
        assertThat(served).as("what the simulated provider served for team %s", team).isEqualTo(
                new ServedCounters.Served(expected.requests(), expected.requests(), 0, expected.promptTokens(),
                        expected.completionTokens()));
    }

    /**
     * Waits until the record written at {@code source} is in the dead-letter topic once for each of
     * {@code applications} (every reader that refused it), each time with {@code reason}.
     */
    public void awaitDeadLettered(DeadLetters deadLetters, RecordMetadata source, String reason,
                                  List<String> applications) {
        awaitDeadLettered(deadLetters, source, reason::equals, applications);
    }

    public void awaitDeadLettered(DeadLetters deadLetters, RecordMetadata source, Predicate<String> reason,
                                  List<String> applications) {
        try {
            await().atMost(CONVERGE).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
                List<DeadLetters.Letter> letters = deadLetters.of(source);
                List<String> by = new ArrayList<>(letters.stream().map(DeadLetters.Letter::application).toList());
                assertThat(by).as("applications that dead-lettered %s-%d@%d", source.topic(), source.partition(),
                        source.offset()).containsAll(applications);
                assertThat(letters).as("dead letters of %s-%d@%d", source.topic(), source.partition(), source.offset())
                        .allSatisfy(l -> assertThat(reason.test(l.reason())).as("reason %s (%s)", l.reason(), l.detail())
                                .isTrue());
            });
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\nprocess output:" + stack.tails(), e);
        }
    }

    /**
     * Every service process is alive and healthy (its health probe answers 200: not failed, not to be restarted),
     * and each answers its readiness probe (at once, or after a rebalance still settling).
     */
    public void assertAllRunning() {
        try {
            assertThat(stack.each(s -> s.process().isAlive())).as("processes alive").doesNotContainValue(false);
            assertThat(stack.each(ServiceProcess::healthy)).as("health probes answering 200").doesNotContainValue(false);
            assertThat(stack.broker().process().isAlive()).as("broker alive").isTrue();
            await().atMost(CONVERGE).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                    assertThat(stack.each(ServiceProcess::ready)).as("readiness probes answering 200")
                            .doesNotContainValue(false));
        } catch (AssertionError e) {
            throw new AssertionError(e.getMessage() + "\nprocess output:" + stack.tails(), e);
        }
    }
}
