package io.tollgate.metering.query;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tollgate.metering.metrics.MeteringMetrics;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import io.tollgate.policy.access.AccessToken;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The HTTP layer before Kafka Streams is attached: starting instances answer 503, bad input 400. */
class QueryServerTest {

    private static final AccessToken TOKEN = AccessToken.of("metering-test-operator-token", "test");

    private final PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final QueryServer server = new QueryServer(Clock.systemUTC(), metrics, new OperatorGuard(TOKEN));
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
    void shouldAnswer503WithRetryAfterWhenStreamsIsNotRunningYet() throws Exception {
        HttpResponse<String> rates = get("/v1/keys/k1/rates");
        assertThat(rates.statusCode()).isEqualTo(503);
        assertThat(rates.headers().firstValue("Retry-After")).contains("1");
        assertThat(rates.body()).contains("\"status\":503").contains("starting");

        assertThat(get("/readyz").statusCode()).isEqualTo(503);
        assertThat(get("/healthz").statusCode()).isEqualTo(200);
        assertThat(get("/instances").statusCode()).isEqualTo(503);
        // a sub-agent's scope id carries its agent: <agent>/<sub-agent>, its slash encoded
        assertThat(get("/v1/spend/sub_agent/planner%2Fsummarizer").statusCode()).isEqualTo(503);
    }

    @Test
    void shouldAnswer400NamingTheParameterWhenQueryIsMalformed() throws Exception {
        HttpResponse<String> tokens = get("/v1/keys/k1/wait-time?tokens=lots&rpm=10");
        assertThat(tokens.statusCode()).isEqualTo(400);
        assertThat(tokens.body()).contains("'tokens' is 'lots'");

        assertThat(get("/v1/keys/k1/wait-time?rpm=10").body()).contains("'tokens' is missing");
        HttpResponse<String> scope = get("/v1/spend/galaxy/x");
        assertThat(scope.statusCode()).isEqualTo(400);
        assertThat(scope.body()).contains("scope 'galaxy' is unknown").contains("team");
        assertThat(get("/v1/spend/team/x?period=week").body()).contains("period 'week' is unknown");
        assertThat(get("/v1/keys/k1/daily?day=21.11.2026").body()).contains("expected yyyy-MM-dd");
    }

    @Test
    void shouldExposeDeadLetterCountersWhenMetricsAreScraped() throws Exception {
        MeteringMetrics counters = new MeteringMetrics(metrics);
        counters.deadLetter(io.tollgate.metering.dlq.DeadLetterReason.COST_MISMATCH);
        counters.clamped();

        HttpResponse<String> scrape = get("/metrics");

        assertThat(scrape.statusCode()).isEqualTo(200);
        assertThat(scrape.body()).contains("tollgate_metering_dead_letters_total{reason=\"COST_MISMATCH\"} 1.0")
                .contains("tollgate_metering_duplicates_total").contains("tollgate_metering_clamped_total 1.0")
                .contains("tollgate_metering_abandoned_total").contains("tollgate_metering_orphan_responses_total")
                .contains("tollgate_metering_late_reassigned_total")
                .contains("tollgate_metering_policy_refused_total{reason=\"KEY_MISMATCH\"} 0.0");
    }
}
