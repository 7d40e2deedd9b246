package io.tollgate.metering.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tollgate.metering.query.OperatorGuard;
import io.tollgate.metering.query.QueryServer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import io.tollgate.policy.access.AccessToken;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The dashboard routes before Kafka Streams is attached and without a feed. */
class DashboardRoutesTest {

    private static final AccessToken TOKEN = AccessToken.of("metering-test-operator-token", "test");

    private final QueryServer server = new QueryServer(Clock.systemUTC(), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
            new OperatorGuard(TOKEN));
    private final int port = server.start("127.0.0.1", 0);
    private final HttpClient http = HttpClient.newHttpClient();

    @AfterEach
    void close() {
        server.close();
    }

    private HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .header("Authorization", TOKEN.authorization()).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldServeThePageAndItsAssetsWithoutAnyExternalReference() throws Exception {
        // When
        HttpResponse<String> page = get("/dashboard");
        HttpResponse<String> js = get("/dashboard/dashboard.js");
        HttpResponse<String> css = get("/dashboard/dashboard.css");

        // Then the page loads only its own assets (the browser has no internet)
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
        assertThat(page.body()).contains("/dashboard/dashboard.js").contains("/dashboard/dashboard.css")
                .doesNotContain("http://").doesNotContain("https://");
        assertThat(js.statusCode()).isEqualTo(200);
        assertThat(js.body()).contains("setTimeout(refresh, REFRESH_MS)").doesNotContain("https://");
        assertThat(css.statusCode()).isEqualTo(200);
        assertThat(get("/dashboard/").statusCode()).isEqualTo(200);
    }

    @Test
    void shouldAnswer503WhileStreamsIsStartingAnd400ForABadInstant() throws Exception {
        // When / Then: like the query API, a starting instance says so and when to retry
        HttpResponse<String> rates = get("/dashboard/api/rates");
        assertThat(rates.statusCode()).isEqualTo(503);
        assertThat(rates.headers().firstValue("Retry-After")).contains("1");
        HttpResponse<String> bad = get("/dashboard/api/budgets?at=yesterday");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("'at' is 'yesterday'").contains("epoch milliseconds");
    }

    @Test
    void shouldReportNotFollowingWhenThereIsNoFeed() throws Exception {
        // Given no feed (a query server started on its own)
        // When
        HttpResponse<String> alerts = get("/dashboard/api/alerts");
        HttpResponse<String> budgets = get("/dashboard/api/budgets?at=1");

        // Then
        assertThat(alerts.statusCode()).isEqualTo(200);
        assertThat(alerts.body()).isEqualTo("{\"following\":false,\"alerts\":[]}");
        assertThat(budgets.body()).isEqualTo("{\"at\":1,\"following\":false,\"budgets\":[]}");
    }
}
