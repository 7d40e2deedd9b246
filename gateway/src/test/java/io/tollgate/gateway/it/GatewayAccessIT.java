package io.tollgate.gateway.it;

import static io.tollgate.gateway.it.GatewayFixture.ADMIN_TOKEN;
import static io.tollgate.gateway.it.GatewayFixture.PLANNER;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tollgate.gateway.GatewayApplication;
import io.tollgate.localstack.junit.KafkaExtension;
import io.tollgate.localstack.junit.RouteProbe;
import io.tollgate.localstack.junit.SharedKafka;
import io.tollgate.localstack.provider.SimulatedProvider;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who may call what on the gateway's two listeners, walked over the routes each listener actually
 * registered: agents' routes need an agent key, admin routes the admin token, and neither accepts the
 * other's credential.
 */
@ExtendWith(KafkaExtension.class)
class GatewayAccessIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static SimulatedProvider provider;
    private static GatewayApplication gateway;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start(SharedKafka kafka, @TempDir Path dir) {
        kafka.createTopics(1);
        provider = SimulatedProvider.start();
        // about the listeners, not where policies come from: the file's records, so the demo keys' hashes do not
        // meet GatewayIT's on the shared policy topic
        gateway = GatewayFixture.start(GatewayFixture.config(provider, kafka.bootstrapServers(), kafka.registryUrl(),
                dir, Map.of("TOLLGATE_POLICY_TOPIC", "false")));
    }

    @AfterAll
    static void stop() {
        gateway.close();
        provider.close();
    }

    private static String agents() {
        return "http://127.0.0.1:" + gateway.port();
    }

    private static String admin() {
        return "http://127.0.0.1:" + gateway.adminPort();
    }

    @Test
    void shouldRefuseEveryAgentRouteWhenNoValidAgentKeyIsSent() {
        // Given the routes the agents' listener registered
        var routes = gateway.agentRoutes();
        assertThat(routes).contains("POST /v1/chat/completions", "GET /v1/models", "GET /v1/usage");

        // When each is called without a key, with an unknown key and with the admin token
        // Then each answers 401
        assertThat(RouteProbe.statuses(agents(), routes, null)).allSatisfy((route, status) ->
                assertThat(status).as(route).isEqualTo(401));
        assertThat(RouteProbe.statuses(agents(), routes, "Bearer tg-not-a-key")).allSatisfy((route, status) ->
                assertThat(status).as(route).isEqualTo(401));
        assertThat(RouteProbe.statuses(agents(), routes, "Bearer " + ADMIN_TOKEN)).allSatisfy((route, status) ->
                assertThat(status).as(route).isEqualTo(401));
        // and with a valid key none of them is refused for lack of a credential
        assertThat(RouteProbe.statuses(agents(), routes, "Bearer " + PLANNER)).allSatisfy((route, status) ->
                assertThat(status).as(route).isNotIn(401, 403));
    }

    @Test
    void shouldServeAdminRoutesOnlyWithTheAdminTokenAndRefuseAgentKeysWith403() {
        // Given the routes the admin listener registered
        var routes = gateway.adminRoutes();
        assertThat(routes).contains("GET /metrics", "GET /admin/stats", "GET /health/live", "GET /health/ready");

        // Then no credential or another one is 401, an agent's key 403, the admin token passes
        assertThat(RouteProbe.statuses(admin(), routes, null)).allSatisfy((route, status) ->
                assertThat(status).as(route).isEqualTo(401));
        assertThat(RouteProbe.statuses(admin(), routes, "Bearer not-the-admin-token-at-all")).allSatisfy((route, status) ->
                assertThat(status).as(route).isEqualTo(401));
        assertThat(RouteProbe.statuses(admin(), routes, "Bearer " + PLANNER)).allSatisfy((route, status) ->
                assertThat(status).as(route).isEqualTo(403));
        assertThat(RouteProbe.statuses(admin(), routes, "Bearer " + ADMIN_TOKEN)).allSatisfy((route, status) ->
                assertThat(status).as(route).isNotIn(401, 403));
    }

    @Test
    void shouldSayHowToAuthenticateWhenTheAdminTokenIsMissing() throws Exception {
        HttpResponse<String> r = GatewayFixture.get(http, gateway.adminPort(), "/metrics", null);

        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        assertThat(JSON.readTree(r.body()).at("/error/message").asText()).contains("TOLLGATE_ADMIN_TOKEN")
                .contains("Authorization: Bearer");
    }

    @Test
    void shouldNotServeAdminOrMetricsOnTheAgentsListener() throws Exception {
        assertThat(GatewayFixture.get(http, gateway.port(), "/metrics", PLANNER).statusCode()).isEqualTo(404);
        assertThat(GatewayFixture.get(http, gateway.port(), "/admin/stats", PLANNER).statusCode()).isEqualTo(404);
        assertThat(GatewayFixture.get(http, gateway.port(), "/health/ready", null).statusCode()).isEqualTo(401);
    }
}
