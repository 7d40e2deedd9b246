package io.tollgate.budget.query;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.budget.topology.TopologyFixtures;
import io.tollgate.localstack.junit.RouteProbe;
import io.tollgate.policy.access.AccessToken;
import io.tollgate.schemas.avro.BudgetAction;
import io.tollgate.schemas.avro.PeriodType;
import io.tollgate.schemas.avro.ScopeType;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HttpApiTest {

    private static final Instant NOON = Instant.parse("2026-11-21T12:00:00Z");
    private static final AccessToken TOKEN = AccessToken.of("budget-http-test-operator-token", "test");

    @TempDir
    Path stateDir;

    private TopologyFixtures.Handle fixture;
    private HttpApi api;
    private final AtomicBoolean storesReady = new AtomicBoolean(true);
    private final AtomicBoolean alive = new AtomicBoolean(true);
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void start() {
        // Given team:acme blocked at $1.20 of $1 today, team:beta at 30 % of $10, agent:planner without spend
        fixture = TopologyFixtures.open(stateDir, NOON);
        fixture.budget(ScopeType.TEAM, "acme", PeriodType.DAY, 1_000_000, BudgetAction.BLOCK);
        fixture.budget(ScopeType.TEAM, "beta", PeriodType.DAY, 10_000_000, BudgetAction.DOWNGRADE);
        fixture.budget(ScopeType.AGENT, "planner", PeriodType.DAY, 200_000, BudgetAction.ALERT);
        fixture.spend(ScopeType.TEAM, "acme", "2026-11-21", 1_200_000);
        fixture.spend(ScopeType.TEAM, "beta", "2026-11-21", 3_000_000);
        StoreAccess stores = new StoreAccess() {
            @Override
            public <V> org.apache.kafka.streams.state.ReadOnlyKeyValueStore<String, V> store(String name) {
                if (!storesReady.get()) {
                    throw new InvalidStateStoreException("store " + name + " is restoring");
                }
                return fixture.store(name);
            }
        };
        api = new HttpApi(new BudgetQueries(stores, io.tollgate.policy.calendar.Calendar.UTC, io.tollgate.policy.limits.QuotaWarning.DEFAULT), () -> "tollgate_up 1.0\n", alive::get,
                storesReady::get, NOON::toEpochMilli, TOKEN, Peers::none).start("127.0.0.1", 0);
    }

    @AfterEach
    void stop() {
        api.close();
        fixture.close();
    }

    @Test
    void shouldListBudgetsWithSpendAndShareWhenFilteredByScopePrefix() throws Exception {
        JsonNode all = get("/budgets").body;
        JsonNode teams = get("/budgets?scope=team:").body;

        assertThat(all).hasSize(3);
        assertThat(teams).hasSize(2);
        JsonNode acme = teams.get(0);
        assertThat(acme.get("scope").asText()).isEqualTo("team:acme");
        assertThat(acme.get("periodKey").asText()).isEqualTo("2026-11-21");
        assertThat(acme.get("spendMicros").asLong()).isEqualTo(1_200_000);
        assertThat(acme.get("sharePercent").asDouble()).isEqualTo(120.0);
        assertThat(acme.get("thresholdsReached").toString()).isEqualTo("[50,80,100]");
        assertThat(acme.get("demand").asText()).isEqualTo("BLOCK");
        assertThat(all.get(0).get("scope").asText()).isEqualTo("agent:planner");
        assertThat(all.get(0).get("spendMicros").asLong()).isZero();
    }

    @Test
    void shouldListActiveCommandsAndAlertHistoryByScope() throws Exception {
        JsonNode commands = get("/commands").body;
        JsonNode acmeAlerts = get("/alerts?scope=team:acme").body;
        JsonNode limited = get("/alerts?limit=1").body;

        assertThat(commands).hasSize(1);
        assertThat(commands.get(0).get("scope").asText()).isEqualTo("team:acme");
        assertThat(commands.get(0).get("action").asText()).isEqualTo("BLOCK");
        assertThat(acmeAlerts).extracting(n -> n.get("alertId").asText()).containsExactlyInAnyOrder(
                "team:acme@2026-11-21#BUDGET_THRESHOLD:50", "team:acme@2026-11-21#BUDGET_THRESHOLD:80",
                "team:acme@2026-11-21#BUDGET_THRESHOLD:100");
        assertThat(limited).hasSize(1);
    }

    @Test
    void shouldAnswer400ForABadLimitAnd503WhileStoresAreNotQueryable() throws Exception {
        Response bad = get("/alerts?limit=lots");
        assertThat(bad.status).isEqualTo(400);
        assertThat(bad.body.get("error").asText()).contains("'lots'");

        storesReady.set(false);
        assertThat(get("/budgets").status).isEqualTo(503);
        assertThat(get("/readyz").status).isEqualTo(503);
        assertThat(get("/healthz").status).isEqualTo(200);
    }

    @Test
    void shouldMergeAnotherInstancesLocalAnswerWhenItHoldsOtherPartitions() throws Exception {
        // Given another instance (a plain HTTP server here) holding team:zeta's budget state and alerts
        List<String> asked = new java.util.concurrent.CopyOnWriteArrayList<>();
        com.sun.net.httpserver.HttpServer other = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 0);
        List<String> authorizations = new java.util.concurrent.CopyOnWriteArrayList<>();
        other.createContext("/", exchange -> {
            asked.add(exchange.getRequestURI().toString());
            authorizations.add(String.valueOf(exchange.getRequestHeaders().getFirst("Authorization")));
            String body = switch (exchange.getRequestURI().getPath()) {
                case "/alerts" -> "[{\"alertId\":\"team:zeta@2026-11-21#BUDGET_THRESHOLD:50\",\"kind\":\"BUDGET_THRESHOLD\","
                        + "\"scope\":\"team:zeta\",\"period\":\"DAY\",\"periodKey\":\"2026-11-21\",\"thresholdPercent\":50,"
                        + "\"budgetMicros\":100,\"spendMicros\":60,\"sharePercent\":60.0,\"topModels\":{},\"topAgents\":{},"
                        + "\"message\":\"m\",\"timestamp\":" + (NOON.toEpochMilli() + 1) + "}]";
                case "/budgets" -> "[{\"scope\":\"team:beta\",\"period\":\"DAY\",\"periodKey\":\"2026-11-21\",\"zone\":\"UTC\","
                        + "\"periodEndMillis\":0,\"limitMicros\":10000000,\"spendMicros\":0,\"sharePercent\":0.0,"
                        + "\"action\":\"DOWNGRADE\",\"thresholdsPercent\":[50],\"thresholdsReached\":[],\"demand\":\"NONE\"}]";
                default -> "[]";
            };
            byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, bytes.length);
            exchange.getResponseBody().write(bytes);
            exchange.close();
        });
        other.start();
        org.apache.kafka.streams.state.HostInfo self = new org.apache.kafka.streams.state.HostInfo("127.0.0.1", 1);
        org.apache.kafka.streams.state.HostInfo peer = new org.apache.kafka.streams.state.HostInfo("127.0.0.1",
                other.getAddress().getPort());
        Peers peers = new Peers(() -> List.of(self, peer), self, java.time.Duration.ofSeconds(2), TOKEN);
        HttpApi merging = new HttpApi(new BudgetQueries(fixture::store, io.tollgate.policy.calendar.Calendar.UTC, io.tollgate.policy.limits.QuotaWarning.DEFAULT),
                () -> "", () -> true, NOON::toEpochMilli, TOKEN, () -> peers).start("127.0.0.1", 0);
        try {
            // When alerts and budgets are asked for
            JsonNode alerts = get(merging, "/alerts?limit=2").body;
            JsonNode budgets = get(merging, "/budgets").body;

            // Then the other instance was asked for its own part only, and its alert is merged in, newest first
            assertThat(asked).contains("/alerts?limit=2&local=true", "/budgets?local=true");
            assertThat(authorizations).isNotEmpty().allSatisfy(a -> assertThat(a).isEqualTo(TOKEN.authorization()));
            assertThat(alerts).hasSize(2);
            assertThat(alerts.get(0).get("alertId").asText()).isEqualTo("team:zeta@2026-11-21#BUDGET_THRESHOLD:50");
            // ... and the budget it knows no spend of does not hide this instance's state of it
            assertThat(budgets).hasSize(3);
            assertThat(budgets.findValues("spendMicros")).extracting(JsonNode::asLong).contains(3_000_000L);

            // When the other instance stops answering, the answer is 503 naming it, not a partial list
            other.stop(0);
            Response down = get(merging, "/alerts");
            assertThat(down.status).isEqualTo(503);
            assertThat(down.body.get("detail").asText()).contains(peer.toString());
            assertThat(get(merging, "/alerts?local=true").status).isEqualTo(200);
        } finally {
            merging.close();
            other.stop(0);
        }
    }

    @Test
    void shouldAnswer401OnEveryRegisteredRouteWhenTheOperatorTokenIsMissingOrWrong() throws Exception {
        // Given every route the API registered
        List<String> routes = api.routes();
        assertThat(routes).contains("GET /budgets", "GET /alerts", "GET /commands", "GET /metrics", "GET /healthz",
                "GET /readyz");
        String base = "http://127.0.0.1:" + api.port();

        // When / Then: no token, another token, the token in another scheme are refused; the token passes
        assertThat(RouteProbe.statuses(base, routes, null)).allSatisfy((r, s) -> assertThat(s).as(r).isEqualTo(401));
        assertThat(RouteProbe.statuses(base, routes, "Bearer tg-demo-planner-agent-key"))
                .allSatisfy((r, s) -> assertThat(s).as(r).isEqualTo(401));
        assertThat(RouteProbe.statuses(base, routes, "Basic " + TOKEN.value()))
                .allSatisfy((r, s) -> assertThat(s).as(r).isEqualTo(401));
        assertThat(RouteProbe.statuses(base, routes, TOKEN.authorization()))
                .allSatisfy((r, s) -> assertThat(s).as(r).isNotIn(401, 403));
        HttpResponse<String> refused = http.send(HttpRequest.newBuilder(uri("/budgets")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(refused.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        assertThat(refused.body()).contains("TOLLGATE_OPERATOR_TOKEN");
    }

    @Test
    void shouldServeMetricsAsPrometheusText() throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri("/metrics"))
                .header("Authorization", TOKEN.authorization()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain");
        assertThat(response.body()).contains("tollgate_up 1.0");
    }

    private record Response(int status, JsonNode body) {
    }

    @Test
    void shouldFailLivenessWhenTheStreamHasFailedSoAnOrchestratorRestartsIt() throws Exception {
        alive.set(false);

        assertThat(get("/healthz").status).isEqualTo(503);
        assertThat(get("/healthz").body.get("status").asText()).isEqualTo("failed");
    }

    private Response get(String path) throws IOException, InterruptedException {
        return get(api, path);
    }

    private Response get(HttpApi target, String path) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + target.port()
                + path)).header("Authorization", TOKEN.authorization()).build(), HttpResponse.BodyHandlers.ofString());
        return new Response(response.statusCode(), new ObjectMapper().readTree(response.body()));
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + api.port() + path);
    }

}
