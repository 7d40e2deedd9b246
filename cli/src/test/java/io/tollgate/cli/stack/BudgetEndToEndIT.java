package io.tollgate.cli.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tollgate.cli.ops.ConnectionOptions;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.BudgetAlert;
import io.tollgate.schemas.avro.CommandAction;
import io.tollgate.schemas.avro.Phase;
import io.tollgate.schemas.avro.RoutingCommand;
import io.tollgate.schemas.avro.UsageEvent;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Budgets end to end on the whole stack in this JVM (free ports, own broker): the gateway's usage
 * events are metered by metering-stream, judged by budget-alerts, and its commands obeyed by the
 * gateway. Team {@code alpha} has a daily soft budget of $0.02 with action DOWNGRADE to
 * {@code sim-small} and a hard limit of $0.05; it asks for {@code sim-large} throughout.
 *
 * <p>Not covered here: the RESTORE at the next period's start. Periods are days or months on the
 * wall clock, and the services read the real clock, so a roll-over cannot happen within a test;
 * budget-alerts' TopologyTestDriver tests cover it (including a DST change) with a driven clock.
 * For the same reason the test starts at least two minutes before the next midnight (UTC or Berlin):
 * one inside it would split the team's spend over two days.
 */
class BudgetEndToEndIT {

    private static final String TEAM = "alpha";
    /** sim-large at $10 per million output tokens: 600 completion tokens cost about $0.006 a call. */
    private static final int LARGE_TOKENS = 600;
    /** sim-small at $0.60 per million output tokens: 4000 completion tokens cost about $0.0024 a call. */
    private static final int SMALL_TOKENS = 4000;
    /** sim-large at $10 per million output tokens: 16 completion tokens cost about $0.0002 a call. */
    private static final int PROBE_TOKENS = 16;

    @TempDir
    Path dir;

    @Test
    void shouldDowngradeThenRefuseWithTheReasonWhenATeamPassesItsSoftThenItsHardBudget() throws Exception {
        // Given one team with a downgrading soft budget and a hard limit above it, and a day that lasts the test
        Midnights.awaitClear(Duration.ofMinutes(2));
        Path policyFile = TeamsPolicyFile.write(dir.resolve("tollgate.yaml"), List.of(new TeamsPolicyFile.Team(TEAM,
                "limit_usd: 0.02, hard_limit_usd: 0.05, action: downgrade, downgrade_to: sim-small")));
        try (TollgateStack stack = TollgateStack.start(StackSettings.ephemeral(policyFile, dir.resolve("data")), step -> { });
             Recorders recorders = new Recorders(stack)) {
            // (tollgate up's banner lists the dashboard with the operator token, and a browser opening it is served
            // the page through the redirect that sets the session cookie)
            String dashboard = stack.meteringUrl() + "/dashboard?token=" + stack.operatorToken().token().value();
            assertThat(stack.infrastructure().banner(Duration.ZERO)).contains(dashboard);
            try (HttpClient http = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                    .cookieHandler(new java.net.CookieManager()).build()) {
                HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(dashboard)).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(page.statusCode()).isEqualTo(200);
                assertThat(page.uri().getQuery()).isNull();
                assertThat(page.body()).containsIgnoringCase("<html");
            }
            GatewayCaller gateway = new GatewayCaller(stack.gatewayUrl());
            List<GatewayCaller.Answer> answers = new ArrayList<>();

            // When it makes four sim-large calls (about $0.024, over the soft budget) and waits for the command
            for (int i = 0; i < 4; i++) {
                GatewayCaller.Answer answer = gateway.call(TEAM, "sim-large", LARGE_TOKENS);
                assertThat(answer.status()).as(answer.body()).isEqualTo(200);
                assertThat(answer.model()).isEqualTo("sim-large");
                answers.add(answer);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> !recorders.commands(CommandAction.DOWNGRADE).isEmpty());

            // Then the gateway serves the cheaper model for sim-large calls. The gateway's command consumer may
            // apply the DOWNGRADE a moment after the recorder saw it; calls until then are served by sim-large,
            // so they ask for few tokens: at SMALL_TOKENS one such call ($0.04) would pass the hard limit, and a
            // gateway applying the BLOCK together with the DOWNGRADE would then serve no call by sim-small
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
                GatewayCaller.Answer answer = gateway.call(TEAM, "sim-large", PROBE_TOKENS);
                answers.add(answer);
                return answer.model().equals("sim-small");
            });
            GatewayCaller.Answer downgraded = answers.getLast();
            assertThat(downgraded.status()).isEqualTo(200);
            RoutingCommand downgrade = recorders.commands(CommandAction.DOWNGRADE).getFirst();
            assertThat(downgrade.getDowngradeTo()).isEqualTo("sim-small");

            // And its usage events say so: the model served, a fallback from the requested model, and the
            // routing reason naming the command.
            await().atMost(Duration.ofSeconds(15)).until(() -> recorders.events(downgraded.callId()).size() == 2);
            for (UsageEvent event : recorders.events(downgraded.callId())) {
                assertThat(event.getRequestedModel()).isEqualTo("sim-large");
                assertThat(event.getModel()).isEqualTo("sim-small");
                assertThat(event.getFallback()).isTrue();
                assertThat(event.getFallbackFrom()).isEqualTo("sim-large");
                assertThat(event.getRoutingReason()).contains("downgrade").contains(downgrade.getCommandId())
                        .contains("team:" + TEAM);
            }

            // When it keeps calling past the hard limit
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
                GatewayCaller.Answer answer = gateway.call(TEAM, "sim-large", SMALL_TOKENS);
                answers.add(answer);
                assertThat(answer.status()).as(answer.body()).isIn(200, 403);
                assertThat(answer.model()).as("every call after the downgrade").isIn("sim-small", "");
                return answer.status() == 403;
            });

            // Then the refusal states the block's reason, and every later call is refused too
            await().atMost(Duration.ofSeconds(30)).until(() -> !recorders.commands(CommandAction.BLOCK).isEmpty());
            RoutingCommand block = recorders.commands(CommandAction.BLOCK).getFirst();
            GatewayCaller.Answer refused = answers.getLast();
            assertThat(refused.body()).contains("call_refused").contains(block.getReason());
            assertThat(block.getReason()).containsIgnoringCase("hard limit");
            GatewayCaller.Answer again = gateway.call(TEAM, "sim-small", 10);
            assertThat(again.status()).isEqualTo(403);
            assertThat(again.body()).contains(block.getReason());

            // And every threshold crossing gave exactly one alert, in ascending order
            await().atMost(Duration.ofSeconds(30)).until(() -> recorders.alerts().size() >= 4);
            String period = recorders.alerts().getFirst().getPeriodKey();
            String scope = "team:" + TEAM + "@" + period;
            Map<String, Long> alertCounts = recorders.alerts().stream()
                    .collect(Collectors.groupingBy(a -> a.getAlertId(), Collectors.counting()));
            assertThat(alertCounts).containsOnlyKeys(scope + "#BUDGET_THRESHOLD:50", scope + "#BUDGET_THRESHOLD:80",
                    scope + "#BUDGET_THRESHOLD:100", scope + "#HARD_LIMIT:100");
            assertThat(alertCounts).allSatisfy((id, count) -> assertThat(count).as(id).isEqualTo(1));
            assertThat(recorders.alerts().stream().map(BudgetAlert::getAlertId).limit(3).toList())
                    .containsExactly(scope + "#BUDGET_THRESHOLD:50", scope + "#BUDGET_THRESHOLD:80",
                            scope + "#BUDGET_THRESHOLD:100");

            // And nothing was metered twice or lost: one REQUEST and one RESPONSE per answered call
            List<String> served = answers.stream().filter(a -> a.status() == 200).map(GatewayCaller.Answer::callId).toList();
            await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> {
                for (String callId : served) {
                    assertThat(recorders.events(callId).stream().map(UsageEvent::getPhase))
                            .as("events of " + callId).containsExactlyInAnyOrder(Phase.REQUEST, Phase.RESPONSE);
                }
            });
        }
    }

    /** The alert, command and usage topics, recorded from the beginning while the test runs. */
    private static final class Recorders implements AutoCloseable {
        private final TopicRecorder<BudgetAlert> alerts;
        private final TopicRecorder<RoutingCommand> commands;
        private final TopicRecorder<UsageEvent> usage;

        Recorders(TollgateStack stack) {
            ConnectionOptions connection = new ConnectionOptions(stack.infrastructure().bootstrapServers(),
                    stack.infrastructure().registryUrl());
            Topics topics = Topics.forRegistry(stack.infrastructure().registryUrl());
            this.alerts = new TopicRecorder<>(connection, Topics.ALERTS, topics.alerts().valueSerde().deserializer());
            this.commands = new TopicRecorder<>(connection, Topics.COMMANDS, topics.commands().valueSerde().deserializer());
            this.usage = new TopicRecorder<>(connection, Topics.USAGE, topics.usage().valueSerde().deserializer());
        }

        List<BudgetAlert> alerts() {
            return alerts.matching(a -> a.getScopeId().equals(TEAM)).stream().map(TopicRecorder.Received::value).toList();
        }

        List<RoutingCommand> commands(CommandAction action) {
            return commands.matching(c -> c.getScopeId().equals(TEAM) && c.getAction() == action).stream()
                    .map(TopicRecorder.Received::value).toList();
        }

        List<UsageEvent> events(String callId) {
            return usage.matching(e -> e.getCallId().equals(callId)).stream().map(TopicRecorder.Received::value).toList();
        }

        @Override
        public void close() throws InterruptedException {
            usage.close();
            commands.close();
            alerts.close();
        }
    }

}
