package io.tollgate.metering.query;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tollgate.localstack.junit.RouteProbe;
import io.tollgate.policy.access.AccessToken;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The operator token in front of the query server (before Kafka Streams is attached), and the dashboard's cookie. */
class OperatorGuardTest {

    private static final String SECRET = "metering-guard-operator-token";
    private final QueryServer server = new QueryServer(Clock.systemUTC(),
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), new OperatorGuard(AccessToken.of(SECRET, "test")));
    private final int port = server.start("127.0.0.1", 0);
    private final String base = "http://127.0.0.1:" + port;
    private final HttpClient http = HttpClient.newHttpClient(); // never follows redirects

    @AfterEach
    void close() {
        server.close();
    }

    private HttpResponse<String> get(String path, String header, String value) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).GET();
        if (header != null) {
            b.header(header, value);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldAnswer401OnEveryRegisteredRouteWhenTheOperatorTokenIsMissingOrWrong() {
        // Given every route the server registered, the dashboard's included
        List<String> routes = server.routes();
        assertThat(routes).contains("GET /healthz", "GET /metrics", "GET /v1/spend/{scope}/{id}", "GET /dashboard",
                "GET /dashboard/api/rates");

        // When / Then
        assertThat(RouteProbe.statuses(base, routes, null)).allSatisfy((r, s) -> assertThat(s).as(r).isEqualTo(401));
        assertThat(RouteProbe.statuses(base, routes, "Bearer wrong-token-0123456789"))
                .allSatisfy((r, s) -> assertThat(s).as(r).isEqualTo(401));
        assertThat(RouteProbe.statuses(base, routes, "Basic " + SECRET)).allSatisfy((r, s) -> assertThat(s).as(r).isEqualTo(401));
        assertThat(RouteProbe.statuses(base, routes, "Bearer " + SECRET))
                .allSatisfy((r, s) -> assertThat(s).as(r).isNotIn(401, 403));
    }

    @Test
    void shouldSayHowToSendTheTokenWhenItIsMissing() throws Exception {
        HttpResponse<String> r = get("/v1/spend/team/acme", null, null);

        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        assertThat(r.body()).contains("TOLLGATE_OPERATOR_TOKEN").contains("Authorization: Bearer");
        assertThat(get("/dashboard", null, null).body()).contains("/dashboard?token=");
    }

    @Test
    void shouldSetASessionCookieAndDropTheTokenFromTheAddressWhenTheDashboardIsOpenedWithIt() throws Exception {
        // When the page is opened once with the token
        HttpResponse<String> opened = get("/dashboard?token=" + SECRET + "&at=1763773200000", null, null);

        // Then a redirect to the same page without the token, with an HttpOnly, SameSite=Strict cookie that is not the token
        assertThat(opened.statusCode()).isEqualTo(303);
        assertThat(opened.headers().firstValue("Location")).contains("/dashboard?at=1763773200000");
        String setCookie = opened.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(setCookie).startsWith(OperatorGuard.COOKIE + "=").contains("HttpOnly").containsIgnoringCase("SameSite=Strict")
                .contains("Path=/").doesNotContain(SECRET);
        String cookie = setCookie.substring(0, setCookie.indexOf(';'));

        // and the page and its API answer to the cookie alone
        assertThat(get("/dashboard?at=1763773200000", "Cookie", cookie).statusCode()).isEqualTo(200);
        assertThat(get("/dashboard/api/alerts", "Cookie", cookie).statusCode()).isEqualTo(200);
        assertThat(get("/dashboard/api/alerts", "Cookie", OperatorGuard.COOKIE + "=forged").statusCode()).isEqualTo(401);
        // but not to a wrong token, nor does any other route take the token in its address
        assertThat(get("/dashboard?token=wrong-token-0123456789", null, null).statusCode()).isEqualTo(401);
        assertThat(get("/v1/model-health?token=" + SECRET, null, null).statusCode()).isEqualTo(401);
    }
}
