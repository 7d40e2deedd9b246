package io.tollgate.metering.dashboard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.localstack.junit.KafkaExtension;
import io.tollgate.localstack.junit.SharedKafka;
import io.tollgate.metering.MeteringApplication;
import io.tollgate.metering.PricedEvents;
import io.tollgate.metering.config.MeteringConfigLoader;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.AlertKind;
import io.tollgate.schemas.avro.BudgetAction;
import io.tollgate.schemas.avro.BudgetAlert;
import io.tollgate.schemas.avro.BudgetPolicy;
import io.tollgate.schemas.avro.CallStatus;
import io.tollgate.schemas.avro.ErrorKind;
import io.tollgate.schemas.avro.PeriodType;
import io.tollgate.schemas.avro.Phase;
import io.tollgate.schemas.avro.Policy;
import io.tollgate.schemas.avro.ScopeType;
import io.tollgate.schemas.avro.TierPolicy;
import io.tollgate.schemas.avro.UsageEvent;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard in a real browser: metering on the embedded broker, usage of two keys over three models,
 * two budget policies (and a tier policy the dashboard must ignore) and one alert; Debian's headless Chromium
 * loads {@code /dashboard?at=<t>} (time frozen so the trailing-minute numbers cannot move), and every number
 * in the rendered DOM is compared with what the interactive-query API answers for the same instant, and
 * the API with what was produced. A screenshot goes to {@code target/dashboard.png}.
 */
@ExtendWith(KafkaExtension.class)
class DashboardIT {

    private static final String OPERATOR_TOKEN = "dashboard-it-operator-token-0123";

    private static final List<String> KEYS = List.of("key-a", "key-b");
    private static final List<String> MODELS = List.of("gpt-4o-mini", "claude-sonnet", "llama-3-70b");
    private static final Map<String, String> TEAM_OF_KEY = Map.of("key-a", "alpha", "key-b", "beta");
    private static final int CALLS = 30;

    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();

    @Test
    void shouldRenderChartsWhoseNumbersEqualTheQueryApi(SharedKafka kafka, @TempDir Path state, @TempDir Path profile)
            throws Exception {
        // Given a browser (missing = failure naming the binary), metering, usage, budgets and an alert
        HeadlessChromium chromium = HeadlessChromium.locate();
        kafka.createTopics(3);
        long now = startInsideOneHealthWindow();
        long at = now; // every event is in the trailing minute ending here
        String day = Instant.ofEpochMilli(at).atZone(ZoneOffset.UTC).toLocalDate().toString();
        Map<String, long[]> expectedRates = new TreeMap<>(); // key|model -> requests, tokens
        Map<String, Long> costByKey = new HashMap<>();
        try (MeteringApplication app = new MeteringApplication(MeteringConfigLoader.fromMaps(Map.of(
                "application.id", "dashboard-it-" + UUID.randomUUID().toString().substring(0, 8),
                "schema.registry.url", kafka.registryUrl(),
                "metering.http.host", "127.0.0.1",
                "metering.http.port", "0",
                "operator.token", OPERATOR_TOKEN,
                "state.dir", state.toString(),
                "metering.create.topics", "false"), Map.of("bootstrap.servers", kafka.bootstrapServers()))).start();
             KafkaProducer<String, UsageEvent> usage = producer(kafka, kafka.topics().usage().valueSerde().serializer());
             KafkaProducer<String, Policy> policies = producer(kafka, kafka.topics().policies().valueSerde().serializer());
             KafkaProducer<String, BudgetAlert> alerts = producer(kafka, kafka.topics().alerts().valueSerde().serializer())) {
            await().atMost(Duration.ofSeconds(60)).until(() -> app.state() == KafkaStreams.State.RUNNING);
            URI base = app.advertisedUrl();

            for (int i = 0; i < CALLS; i++) {
                String key = KEYS.get(i % 2);
                String model = MODELS.get(i % 3);
                long t = now - 30_000 + i * 500L;
                boolean failed = i % 7 == 0;
                long tokens = failed ? 0 : 50 + i * 3L;
                long cost = failed ? 0 : 500 + i * 7L;
                UsageEvent request = UsageEvent.newBuilder().setEventId(UUID.randomUUID().toString()).setCallId("call-" + i)
                        .setPhase(Phase.REQUEST).setTimestamp(Instant.ofEpochMilli(t)).setApiKeyId(key).setTenant("acme")
                        .setTeam(TEAM_OF_KEY.get(key)).setAgent("agent-" + key).setRequestedModel(model).setModel(model)
                        .setReservedPromptTokens(60).setReservedCompletionTokens(40 + i).setReservedTokens(100 + i)
                        .setReservedCostMicros(1000 + i * 10L).build();
                UsageEvent response = UsageEvent.newBuilder(request).setEventId(UUID.randomUUID().toString())
                        .setPhase(Phase.RESPONSE).setTimestamp(Instant.ofEpochMilli(t + 200)).setTotalTokens(tokens)
                        .setPromptTokens(tokens / 2).setCachedPromptTokens(tokens / 2)
                        .setCompletionTokens(tokens - tokens / 2).setCostMicros(cost)
                        .setStatus(failed ? CallStatus.ERROR : CallStatus.SUCCESS)
                        .setErrorKind(failed ? ErrorKind.RATE_LIMITED : ErrorKind.NONE).setHttpStatus(failed ? 429 : 200)
                        .setLatencyMs(100 + i * 13L).build();
                usage.send(new ProducerRecord<>(Topics.USAGE, key, PricedEvents.priced(request)));
                usage.send(new ProducerRecord<>(Topics.USAGE, key, PricedEvents.priced(response)));
                long[] r = expectedRates.computeIfAbsent(key + "|" + model, k -> new long[2]);
                r[0]++;
                r[1] += tokens;
                costByKey.merge(key, cost, Long::sum);
            }
            usage.flush();
            policies.send(new ProducerRecord<>(Topics.POLICIES, "budget:team:alpha@DAY", policy(BudgetPolicy.newBuilder()
                    .setScopeType(ScopeType.TEAM).setScopeId("alpha").setPeriod(PeriodType.DAY).setLimitMicros(20_000)
                    .setHardLimitMicros(30_000L).setAction(BudgetAction.ALERT).build())));
            policies.send(new ProducerRecord<>(Topics.POLICIES, "budget:api_key:key-b@DAY", policy(BudgetPolicy.newBuilder()
                    .setScopeType(ScopeType.API_KEY).setScopeId("key-b").setPeriod(PeriodType.DAY).setLimitMicros(5_000)
                    .setAction(BudgetAction.DOWNGRADE).setDowngradeTo("llama-3-70b").build())));
            policies.send(new ProducerRecord<>(Topics.POLICIES, "tier:free", policy(TierPolicy.newBuilder().setName("free").build())));
            policies.flush();
            String alertId = "team:alpha@" + day + "#BUDGET_THRESHOLD:50";
            BudgetAlert alert = BudgetAlert.newBuilder().setAlertId(alertId).setKind(AlertKind.BUDGET_THRESHOLD)
                    .setScopeType(ScopeType.TEAM).setScopeId("alpha").setPeriod(PeriodType.DAY).setPeriodKey(day)
                    .setThresholdPercent(50).setBudgetMicros(20_000).setSpendMicros(12_345).setSharePercent(61.7)
                    .setMessage("team alpha reached 50% of its daily budget").setTimestamp(now).build();
            alerts.send(new ProducerRecord<>(Topics.ALERTS, "team:alpha", alert));
            alerts.flush();

            // ... and the API answers what was produced (so the page has real numbers to agree with)
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
                Map<String, long[]> listed = new TreeMap<>();
                for (JsonNode r : get(base, "/dashboard/api/rates?at=" + at).get("rates")) {
                    if (KEYS.contains(r.get("apiKeyId").asText())) { // the broker is shared with other ITs
                        listed.put(r.get("apiKeyId").asText() + "|" + r.get("model").asText(),
                                new long[] {r.get("requestsPerMinute").asLong(), r.get("tokensPerMinute").asLong()});
                    }
                }
                assertThat(listed).usingRecursiveComparison().isEqualTo(expectedRates);
                JsonNode budgets = get(base, "/dashboard/api/budgets?at=" + at).get("budgets");
                assertThat(spendOf(budgets, "budget:team:alpha@DAY").get("costMicros").asLong()).isEqualTo(costByKey.get("key-a"));
                assertThat(spendOf(budgets, "budget:api_key:key-b@DAY").get("costMicros").asLong()).isEqualTo(costByKey.get("key-b"));
                assertThat(get(base, "/dashboard/api/alerts").get("alerts").findValuesAsText("alertId")).contains(alertId);
                Map<String, Long> calls = new TreeMap<>();
                get(base, "/v1/model-health").forEach(h -> calls.put(h.get("model").asText(), h.get("calls").asLong()));
                MODELS.forEach(m -> assertThat(calls).containsEntry(m, (long) CALLS / 3));
            });

            // When headless Chromium renders the page at that instant
            // opened as 'tollgate up' prints it: the token once in the address, then the session cookie
            String url = base + "/dashboard?token=" + OPERATOR_TOKEN + "&at=" + at;
            String dom = chromium.dumpDom(url, 8_000, Files.createDirectories(profile.resolve("dom")));
            Path png = Path.of("target", "dashboard.png");
            Files.createDirectories(png.getParent());
            Files.deleteIfExists(png);
            chromium.screenshot(url, 8_000, Files.createDirectories(profile.resolve("shot")), png, 1280, 1500);

            // Then the page loaded its data and drew every chart as SVG
            Map<String, String> shown = HeadlessChromium.testValues(dom);
            assertThat(shown).as("page status; DOM:%n%s", dom).containsEntry("dashboard-status", "ok");
            for (String chart : List.of("rpm-chart-svg", "tpm-chart-svg", "history-chart-svg", "budget-chart-svg", "health-chart-svg")) {
                assertThat(dom).as("chart %s", chart).containsPattern("<svg[^>]*data-testid=\"" + chart + "\"[^>]*>.*?<(rect|polyline)");
            }
            assertThat(countOf(dom, "<svg")).isGreaterThanOrEqualTo(5);
            JsonNode listing = get(base, "/dashboard/api/rates?at=" + at).get("rates");
            assertThat(countOf(dom, "data-bar=\"rpm:")).isEqualTo(listing.size()).isGreaterThanOrEqualTo(expectedRates.size());

            // ... every rate on the page is the API's, and exactly the active keys and models are shown
            long totalRequests = 0;
            long totalTokens = 0;
            java.util.Set<String> active = new java.util.TreeSet<>();
            listing.forEach(r -> active.add(r.get("apiKeyId").asText() + "|" + r.get("model").asText()));
            assertThat(active).containsAll(expectedRates.keySet());
            for (String keyModel : active) {
                int bar = keyModel.lastIndexOf('|');
                JsonNode rate = get(base, "/v1/keys/" + enc(keyModel.substring(0, bar)) + "/rates?model="
                        + enc(keyModel.substring(bar + 1)) + "&at=" + at);
                assertThat(shown).containsEntry("rpm:" + keyModel, rate.get("requestsPerMinute").asText())
                        .containsEntry("tpm:" + keyModel, rate.get("tokensPerMinute").asText());
                totalRequests += rate.get("requestsPerMinute").asLong();
                totalTokens += rate.get("tokensPerMinute").asLong();
            }
            assertThat(keysStartingWith(shown, "rpm:")).isEqualTo(active.stream().map(k -> "rpm:" + k)
                    .collect(Collectors.toSet()));
            assertThat(shown).containsEntry("total-rpm", Long.toString(totalRequests))
                    .containsEntry("total-tpm", Long.toString(totalTokens));

            // ... spend against budgets is the spend API's, limits are the policies'
            assertBudget(shown, base, "budget:team:alpha@DAY", "/v1/spend/team/alpha?period=DAY&at=" + at, 20_000);
            assertBudget(shown, base, "budget:api_key:key-b@DAY", "/v1/spend/api_key/key-b?period=DAY&at=" + at, 5_000);
            assertThat(shown).containsEntry("budget-hard-limit:budget:team:alpha@DAY", "30000")
                    .doesNotContainKey("budget-hard-limit:budget:api_key:key-b@DAY");
            assertThat(keysStartingWith(shown, "budget-limit:")).hasSize(get(base, "/dashboard/api/budgets?at=" + at).get("budgets").size());

            // ... model health is the model-health API's
            JsonNode health = get(base, "/v1/model-health");
            for (JsonNode h : health) {
                String m = h.get("model").asText();
                long errors = h.get("errorsRateLimited").asLong() + h.get("errorsTimeout").asLong()
                        + h.get("errorsUpstream5xx").asLong() + h.get("errorsBadRequest").asLong() + h.get("errorsOther").asLong();
                assertThat(shown).containsEntry("health-calls:" + m, h.get("calls").asText())
                        .containsEntry("health-successes:" + m, h.get("successes").asText())
                        .containsEntry("health-errors:" + m, Long.toString(errors))
                        .containsEntry("health-rate-limited:" + m, h.get("errorsRateLimited").asText())
                        .containsEntry("health-p50:" + m, h.get("latencyP50Ms").asText())
                        .containsEntry("health-p95:" + m, h.get("latencyP95Ms").asText())
                        .containsEntry("health-p99:" + m, h.get("latencyP99Ms").asText());
            }
            assertThat(keysStartingWith(shown, "health-calls:")).hasSize(health.size());
            assertThat(shown.get("health-errors:gpt-4o-mini")).isNotEqualTo("0"); // calls 0, 21 failed (i % 7 == 0)

            // ... and the alert is shown with its numbers
            assertThat(shown).containsEntry("alerts-count", Integer.toString(get(base, "/dashboard/api/alerts").get("alerts").size()))
                    .containsEntry("alert-threshold:" + alertId, "50")
                    .containsEntry("alert-spend:" + alertId, "12345")
                    .containsEntry("alert-budget:" + alertId, "20000")
                    .containsEntry("alert-time:" + alertId, Long.toString(now));
            assertThat(png).isNotEmptyFile();
        }
    }

    /**
     * Now, at least 31 s into a 5-minute model-health window: the events (30 s to 15 s ago) then all fall in
     * the window {@code /v1/model-health} reports as the newest, and in one day. Without this the test failed
     * whenever the 15 s of events straddled a window edge (once in twenty runs).
     */
    private static long startInsideOneHealthWindow() {
        long window = Duration.ofMinutes(5).toMillis();
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(200))
                .until(() -> System.currentTimeMillis() % window >= 31_000);
        return System.currentTimeMillis();
    }

    private void assertBudget(Map<String, String> shown, URI base, String policyKey, String spendPath, long limit)
            throws Exception {
        JsonNode spend = get(base, spendPath);
        assertThat(shown).containsEntry("budget-spend:" + policyKey, spend.get("costMicros").asText())
                .containsEntry("budget-inflight:" + policyKey, spend.get("inFlightMicros").asText())
                .containsEntry("budget-abandoned:" + policyKey, spend.get("abandonedCalls").asText())
                .containsEntry("budget-abandoned-micros:" + policyKey, spend.get("abandonedMicros").asText())
                .containsEntry("budget-orphans:" + policyKey, spend.get("orphanResponses").asText())
                .containsEntry("budget-limit:" + policyKey, Long.toString(limit));
    }

    private static JsonNode spendOf(JsonNode budgets, String policyKey) {
        for (JsonNode b : budgets) {
            if (b.get("policyKey").asText().equals(policyKey)) {
                assertThat(b.get("spend").isNull()).as("spend of %s", policyKey).isFalse();
                return b.get("spend");
            }
        }
        throw new AssertionError("no budget " + policyKey + " in " + budgets);
    }

    private static java.util.Set<String> keysStartingWith(Map<String, String> shown, String prefix) {
        return shown.keySet().stream().filter(k -> k.startsWith(prefix)).collect(Collectors.toSet());
    }

    private static int countOf(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
            n++;
        }
        return n;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static Policy policy(Object p) {
        return Policy.newBuilder().setPolicy(p).setUpdatedAt(System.currentTimeMillis()).setSource("DashboardIT").build();
    }

    private static <V> KafkaProducer<String, V> producer(SharedKafka kafka,
                                                         org.apache.kafka.common.serialization.Serializer<V> values) {
        return new KafkaProducer<>(kafka.producerProperties(), new StringSerializer(), values);
    }

    private JsonNode get(URI base, String path) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve(path))
                .header("Authorization", "Bearer " + OPERATOR_TOKEN).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as("GET %s -> %s", path, r.body()).isEqualTo(200);
        return json.readTree(r.body());
    }
}
