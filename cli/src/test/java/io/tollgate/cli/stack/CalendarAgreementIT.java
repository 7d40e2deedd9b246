package io.tollgate.cli.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.tollgate.cli.CliRunner;
import io.tollgate.cli.ops.ConnectionOptions;
import io.tollgate.cli.ops.ServiceHttp;
import io.tollgate.cli.policy.PolicyTopic;
import io.tollgate.policy.calendar.Calendar;
import io.tollgate.policy.price.Cost;
import io.tollgate.policy.price.Price;
import io.tollgate.policy.records.PolicyRecords;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.AlertKind;
import io.tollgate.schemas.avro.ApiKeyPolicy;
import io.tollgate.schemas.avro.BudgetAlert;
import io.tollgate.schemas.avro.CommandAction;
import io.tollgate.schemas.avro.Phase;
import io.tollgate.schemas.avro.Policy;
import io.tollgate.schemas.avro.RoutingCommand;
import io.tollgate.schemas.avro.UsageEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One calendar across the services, on the whole stack: tenant {@code kiri} keeps its days on Pacific/Kiritimati
 * (UTC+14, so its day starts at 10:00Z of the day before UTC's) and tenant {@code kath} on Asia/Kathmandu with reset
 * hour 2 (a quarter-hour zone, UTC+5:45, whose days start at 20:15Z). Each has a team with a daily budget whose
 * action is BLOCK, in the organisation's UTC. For both, the day metering-stream sums the team's spend in, the day
 * budget-alerts judges its budget in, and the end of the BLOCK command it issues are the tenant's day, worked out
 * here from {@code java.time} alone. A key on a tier that has no record (the seed documents' {@code free}: 500
 * requests a day) gets its QUOTA_WARNING at 80%, a budget added below what is already spent is judged without any
 * further call, and a call naming a sub-agent counts for the key's agent and for the sub-agent under it.
 */
class CalendarAgreementIT {

    private static final ZoneId KIRITIMATI = ZoneId.of("Pacific/Kiritimati");
    private static final ZoneId KATHMANDU = ZoneId.of("Asia/Kathmandu");
    private static final int KATH_RESET_HOUR = 2;
    /** sim-large at $10 per million output tokens: 600 completion tokens cost about $0.006 a call. */
    private static final int LARGE_TOKENS = 600;
    private static final String SEED_KEY = "k-seed";
    private static final int SEED_REQUESTS = 400;

    @TempDir
    Path dir;

    @Test
    void shouldPutSpendBudgetAndBlockInTheTenantsDayAndWarnASeedTierKey() throws Exception {
        // Given two tenants with their own calendars and a day that lasts the test in each
        Midnights.awaitClear(Duration.ofMinutes(2), List.of(new Calendar(KIRITIMATI, 0),
                new Calendar(KATHMANDU, KATH_RESET_HOUR), Calendar.UTC));
        Path policyFile = dir.resolve("tollgate.yaml");
        Files.writeString(policyFile, policyFile(""));
        try (TollgateStack stack = TollgateStack.start(StackSettings.ephemeral(policyFile, dir.resolve("data")), step -> { });
             Recorders recorders = new Recorders(stack)) {
            ServiceHttp http = new ServiceHttp(Duration.ofSeconds(5)).with(stack.operatorToken());
            GatewayCaller gateway = new GatewayCaller(stack.gatewayUrl());

            // When kiri's agent calls as its sub-agent "summarizer" (X-Tollgate-Agent)
            GatewayCaller.Answer asSubAgent = gateway.callAsSubAgent("kiri-ops", "summarizer", "sim-small", 100);
            assertThat(asSubAgent.status()).as(asSubAgent.body()).isEqualTo(200);

            // Then the call counts for the key's agent and, under it, for the sub-agent, in kiri's day
            String kiriDay = new Tenant("kiri", KIRITIMATI, 0).day(System.currentTimeMillis()).toString();
            long subAgentCost = await().atMost(Duration.ofSeconds(30))
                    .until(() -> recorders.settledCost("kiri-ops"), c -> c > 0);
            ConnectionOptions connection = recorders.connection;
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).untilAsserted(() -> {
                CliRunner usage = CliRunner.run("usage", "sub_agent", "agent-kiri-ops/summarizer", "--json",
                        "--metering-url", stack.meteringUrl(), "--operator-token",
                        stack.operatorToken().token().value());
                assertThat(usage.exit()).as(usage.err()).isZero();
                JsonNode spend = new com.fasterxml.jackson.databind.ObjectMapper().readTree(usage.out()).path("spend");
                assertThat(spend.path("scope").asText()).isEqualTo("sub_agent:agent-kiri-ops/summarizer");
                assertThat(spend.path("costMicros").asLong()).isEqualTo(subAgentCost);
                assertThat(spend.path("inFlightMicros").asLong()).isZero();
                assertThat(spend.path("periodKey").asText()).isEqualTo(kiriDay);
                assertThat(http.get(stack.meteringUrl(), "/v1/spend/agent/agent-kiri-ops").path("costMicros").asLong())
                        .isEqualTo(subAgentCost);
            });

            for (Tenant tenant : List.of(new Tenant("kiri", KIRITIMATI, 0), new Tenant("kath", KATHMANDU, KATH_RESET_HOUR))) {
                // When its team calls until the gateway refuses
                String team = tenant.team();
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> {
                    GatewayCaller.Answer answer = gateway.call(team, "sim-large", LARGE_TOKENS);
                    assertThat(answer.status()).as(answer.body()).isIn(200, 403);
                    return answer.status() == 403;
                });

                // Then the BLOCK lasts until the end of the tenant's day
                long now = System.currentTimeMillis();
                LocalDate day = tenant.day(now);
                long dayEnd = tenant.end(day);
                RoutingCommand block = await().atMost(Duration.ofSeconds(30))
                        .until(() -> recorders.command(team, CommandAction.BLOCK), c -> c != null);
                assertThat(Instant.ofEpochMilli(block.getUntil())).as("BLOCK of team:" + team + " until")
                        .isEqualTo(Instant.ofEpochMilli(dayEnd));

                // And metering sums the team's spend in that day, exactly the calls' provider-reported costs
                long spent = await().atMost(Duration.ofSeconds(30)).until(() -> recorders.settledCost(team), c -> c > 0);
                JsonNode spend = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                        .until(() -> http.get(stack.meteringUrl(), "/v1/spend/team/" + team),
                                s -> s.path("inFlightMicros").asLong() == 0 && s.path("costMicros").asLong() == spent);
                assertThat(spend.path("periodKey").asText()).as("metering's day of team:" + team).isEqualTo(day.toString());
                assertThat(spend.path("endMillis").asLong()).isEqualTo(dayEnd);
                assertThat(spend.path("zone").asText()).isEqualTo(tenant.zone().getId());

                // And budget-alerts judges the budget in the same day, with the same spend
                JsonNode budget = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                        .until(() -> http.get(stack.budgetUrl(), "/budgets?scope=team:" + team).path(0),
                                b -> b.path("spendMicros").asLong() == spent);
                assertThat(budget.path("periodKey").asText()).as("budget's day of team:" + team).isEqualTo(day.toString());
                assertThat(budget.path("periodEndMillis").asLong()).isEqualTo(dayEnd);
                assertThat(budget.path("zone").asText()).isEqualTo(tenant.zone().getId());
                BudgetAlert alert = recorders.alert(AlertKind.BUDGET_THRESHOLD, team);
                assertThat(alert.getPeriodKey()).isEqualTo(day.toString());
            }

            // When a budget below what the agent of kath has spent is applied, and no call follows
            long spentByAgent = http.get(stack.meteringUrl(), "/v1/spend/agent/agent-kath-ops").path("costMicros").asLong();
            assertThat(spentByAgent).isGreaterThan(1_000);
            Files.writeString(policyFile, policyFile("  - {scope: \"agent:agent-kath-ops\", period: day, limit_usd: 0.001, action: alert}\n"));
            long applied = System.currentTimeMillis();
            CliRunner apply = CliRunner.run("policy", "apply", "-f", policyFile.toString(),
                    "--bootstrap-servers", connection.bootstrapServers(), "--registry-url", connection.registryUrl());
            assertThat(apply.exit()).as(apply.err()).isZero();

            // Then it is judged at once, in kath's day
            BudgetAlert agentAlert = await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50))
                    .until(() -> recorders.alertOrNull(AlertKind.BUDGET_THRESHOLD, "agent-kath-ops"), a -> a != null);
            System.out.printf("[calendar-agreement] budget applied below spend -> alert: %d ms after policy apply returned%n",
                    recorders.receivedAt(agentAlert) - applied);
            assertThat(agentAlert.getPeriodKey()).isEqualTo(new Tenant("kath", KATHMANDU, KATH_RESET_HOUR)
                    .day(System.currentTimeMillis()).toString());
            assertThat(agentAlert.getSpendMicros()).isEqualTo(spentByAgent);

            // When a key on a tier without a record makes 400 requests
            publishSeedTierKey(connection);
            try (KafkaProducer<String, UsageEvent> producer = recorders.usageProducer()) {
                for (int i = 0; i < SEED_REQUESTS; i++) {
                    producer.send(new ProducerRecord<>(Topics.USAGE, SEED_KEY, seedRequest()));
                }
            }

            // Then budget-alerts warns at the seed tier's 80% of 500 requests a day, in requests
            BudgetAlert warning = await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                    .until(() -> recorders.alertOrNull(AlertKind.QUOTA_WARNING, SEED_KEY), a -> a != null);
            assertThat(warning.getQuotaKind()).isEqualTo("rpd");
            assertThat(warning.getQuotaLimit()).isEqualTo(500);
            assertThat(warning.getQuotaUsed()).isEqualTo(SEED_REQUESTS);
            assertThat(warning.getPeriodKey()).isEqualTo(new Tenant("kiri", KIRITIMATI, 0)
                    .day(System.currentTimeMillis()).toString());
        }
    }

    /** A tenant, its team ({@code <tenant>-ops}, key {@code k-<tenant>-ops}) and the calendar it declares. */
    private record Tenant(String name, ZoneId zone, int resetHour) {

        String team() {
            return name + "-ops";
        }

        /** The tenant's day that contains {@code epochMillis}: the local date, one less before the reset hour. */
        LocalDate day(long epochMillis) {
            LocalDateTime local = LocalDateTime.ofInstant(Instant.ofEpochMilli(epochMillis), zone);
            return local.getHour() < resetHour ? local.toLocalDate().minusDays(1) : local.toLocalDate();
        }

        long end(LocalDate day) {
            return day.plusDays(1).atTime(resetHour, 0).atZone(zone).toInstant().toEpochMilli();
        }
    }

    /**
     * The example file's organisation (UTC), provider and models, the two tenants, one tier, a key per team and
     * the teams' daily BLOCK budgets of $0.01, then {@code moreBudgets}.
     */
    private static String policyFile(String moreBudgets) throws Exception {
        String example = Files.readString(Path.of("..", "tollgate.yaml"));
        String head = example.substring(0, example.indexOf("tenants:"));
        String models = example.substring(example.indexOf("providers:"), example.indexOf("# Tiers of the seed documents"));
        StringBuilder yaml = new StringBuilder(head)
                .append("tenants:\n")
                .append("  - {name: kiri, zone: Pacific/Kiritimati, reset_hour: 0}\n")
                .append("  - {name: kath, zone: Asia/Kathmandu, reset_hour: ").append(KATH_RESET_HOUR).append("}\n\n")
                .append(models)
                .append("tiers:\n  - name: standard\n    limits:\n      - {model: \"*\", rpm: 10000, tpm: 30000000}\n\n")
                .append("keys:\n");
        for (String tenant : List.of("kiri", "kath")) {
            String team = tenant + "-ops";
            yaml.append("  - {id: ").append(TeamsPolicyFile.keyId(team)).append(", hash: ")
                    .append(sha256(TeamsPolicyFile.secret(team))).append(", tenant: ").append(tenant).append(", team: ")
                    .append(team).append(", agent: agent-").append(team).append(", tier: standard}\n");
        }
        yaml.append("budgets:\n");
        for (String team : List.of("kiri-ops", "kath-ops")) {
            yaml.append("  - {scope: \"team:").append(team).append("\", period: day, limit_usd: 0.01, action: block}\n");
        }
        return yaml.append(moreBudgets).toString();
    }

    /**
     * A key whose tier {@code free} has no record on the policy topic (as {@code tollgate keys create} writes one
     * while no tier is declared): the services resolve its limits from the seed documents' tiers.
     */
    private static void publishSeedTierKey(ConnectionOptions connection) throws Exception {
        ApiKeyPolicy key = ApiKeyPolicy.newBuilder().setKeyId(SEED_KEY).setKeyHash(sha256("tg-test-seed"))
                .setTenant("kiri").setTeam("seed-team").setAgent("seed-agent").setTier("free")
                .setAllowedModels(List.of()).setLimitOverrides(List.of()).setRevoked(false).build();
        new PolicyTopic(connection).publish(Map.of(PolicyRecords.apiKeyKey(SEED_KEY), Policy.newBuilder().setPolicy(key)
                .setUpdatedAt(System.currentTimeMillis()).setSource("CalendarAgreementIT").build()));
    }

    /** A REQUEST of the seed key for sim-small, priced by the one formula as the gateway prices it. */
    private static UsageEvent seedRequest() {
        Price simSmall = Price.of(150_000, 75_000, 600_000);
        long prompt = 20;
        long completion = 10;
        return UsageEvent.newBuilder().setEventId(UUID.randomUUID().toString()).setCallId(UUID.randomUUID().toString())
                .setPhase(Phase.REQUEST).setTimestamp(Instant.now()).setApiKeyId(SEED_KEY).setTenant("kiri")
                .setTeam("seed-team").setAgent("seed-agent").setRequestedModel("sim-small").setModel("sim-small")
                .setReservedPromptTokens(prompt).setReservedCompletionTokens(completion).setReservedTokens(prompt + completion)
                .setReservedCostMicros(Cost.micros(prompt, completion, simSmall))
                .setInputPriceMicrosPerMillion(simSmall.inputMicrosPerMillion())
                .setCachedInputPriceMicrosPerMillion(simSmall.cachedInputMicrosPerMillion())
                .setOutputPriceMicrosPerMillion(simSmall.outputMicrosPerMillion())
                .setContextWindow(128_000).setMaxOutputTokens(16_384).build();
    }

    private static String sha256(String secret) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8)));
    }

    /** The alert, command and usage topics, recorded from the beginning while the test runs. */
    private static final class Recorders implements AutoCloseable {
        final ConnectionOptions connection;
        private final Topics topics;
        private final TopicRecorder<BudgetAlert> alerts;
        private final TopicRecorder<RoutingCommand> commands;
        private final TopicRecorder<UsageEvent> usage;

        Recorders(TollgateStack stack) {
            connection = new ConnectionOptions(stack.infrastructure().bootstrapServers(), stack.infrastructure().registryUrl());
            topics = Topics.forRegistry(stack.infrastructure().registryUrl());
            alerts = new TopicRecorder<>(connection, Topics.ALERTS, topics.alerts().valueSerde().deserializer());
            commands = new TopicRecorder<>(connection, Topics.COMMANDS, topics.commands().valueSerde().deserializer());
            usage = new TopicRecorder<>(connection, Topics.USAGE, topics.usage().valueSerde().deserializer());
        }

        RoutingCommand command(String team, CommandAction action) {
            return commands.matching(c -> c.getScopeId().equals(team) && c.getAction() == action).stream()
                    .map(TopicRecorder.Received::value).findFirst().orElse(null);
        }

        BudgetAlert alertOrNull(AlertKind kind, String scopeId) {
            return alerts.matching(a -> a.getScopeId().equals(scopeId) && a.getKind() == kind).stream()
                    .map(TopicRecorder.Received::value).findFirst().orElse(null);
        }

        BudgetAlert alert(AlertKind kind, String scopeId) {
            BudgetAlert alert = alertOrNull(kind, scopeId);
            assertThat(alert).as(kind + " alert of " + scopeId).isNotNull();
            return alert;
        }

        long receivedAt(BudgetAlert alert) {
            return alerts.matching(a -> a.getAlertId().equals(alert.getAlertId())).getFirst().receivedAtMillis();
        }

        /** The team's provider-reported cost once every REQUEST has its RESPONSE, else -1. */
        long settledCost(String team) {
            List<UsageEvent> events = usage.matching(e -> e.getTeam().equals(team)).stream()
                    .map(TopicRecorder.Received::value).toList();
            long requests = events.stream().filter(e -> e.getPhase() == Phase.REQUEST).count();
            List<UsageEvent> responses = events.stream().filter(e -> e.getPhase() == Phase.RESPONSE).toList();
            return requests == responses.size() ? responses.stream().mapToLong(UsageEvent::getCostMicros).sum() : -1;
        }

        KafkaProducer<String, UsageEvent> usageProducer() {
            Properties props = new Properties();
            props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, connection.bootstrapServers());
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            return new KafkaProducer<>(props, new StringSerializer(), topics.usage().valueSerde().serializer());
        }

        @Override
        public void close() throws InterruptedException {
            usage.close();
            commands.close();
            alerts.close();
        }
    }
}
