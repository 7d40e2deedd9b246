package io.tollgate.budget.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tollgate.budget.config.BudgetAlertsConfig;
import io.tollgate.budget.query.AlertView;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WebhookDispatcherTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final List<byte[]> bodies = new CopyOnWriteArrayList<>();
    private HttpServer server;
    private WebhookDispatcher dispatcher;

    @AfterEach
    void stop() {
        if (dispatcher != null) {
            dispatcher.close();
        }
        if (server != null) {
            server.stop(0);
        }
    }

    @Test
    void shouldRetryUntilDeliveredWhenTheWebhookFailsFirst() throws IOException {
        // Given a webhook on 127.0.0.1 that answers 503 twice, then 200
        AtomicInteger calls = new AtomicInteger();
        URI url = serve(exchangeStatus -> calls.incrementAndGet() <= 2 ? 503 : 200);
        dispatcher = new WebhookDispatcher(config(url, 5, 1), meters);

        // When an alert is submitted
        assertThat(dispatcher.submit(alert("team:acme@2026-11-21#BUDGET_THRESHOLD:80"))).isTrue();

        // Then it arrives on the third attempt as Slack-compatible JSON with the structured fields
        await().atMost(Duration.ofSeconds(10)).until(() -> meters.counter("tollgate.webhook.delivered").count() == 1.0);
        assertThat(calls.get()).isEqualTo(3);
        assertThat(meters.counter("tollgate.webhook.retries").count()).isEqualTo(2.0);
        JsonNode body = new ObjectMapper().readTree(bodies.getLast());
        assertThat(body.get("text").asText()).contains("team:acme has spent $0.80");
        assertThat(body.get("alertId").asText()).isEqualTo("team:acme@2026-11-21#BUDGET_THRESHOLD:80");
        assertThat(body.get("topModels").get("sim-large").asLong()).isEqualTo(600_000);
    }

    @Test
    void shouldGiveUpAfterTheLastAttemptAndGoOnWithTheNextAlert() throws IOException {
        // Given a webhook that fails the first alert's two attempts and accepts the rest
        AtomicInteger calls = new AtomicInteger();
        URI url = serve(status -> calls.incrementAndGet() <= 2 ? 500 : 204);
        dispatcher = new WebhookDispatcher(config(url, 2, 1), meters);

        dispatcher.submit(alert("a#1"));
        dispatcher.submit(alert("a#2"));

        await().atMost(Duration.ofSeconds(10)).until(() -> meters.counter("tollgate.webhook.delivered").count() == 1.0);
        assertThat(meters.counter("tollgate.webhook.failed").count()).isEqualTo(1.0);
    }

    @Test
    void shouldRefuseInsteadOfBlockingWhenTheQueueIsFull() throws IOException, InterruptedException {
        // Given a webhook that hangs on the first request and a queue of two
        CountDownLatch release = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        URI url = serve(status -> {
            if (calls.incrementAndGet() == 1) {
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return 200;
        });
        dispatcher = new WebhookDispatcher(new BudgetAlertsConfig.Webhook(url, 1, Duration.ofMillis(1),
                Duration.ofMillis(1), 2, Duration.ofSeconds(30)), meters);
        dispatcher.submit(alert("busy"));
        await().atMost(Duration.ofSeconds(10)).until(() -> calls.get() == 1);

        // When more alerts arrive than the queue holds
        boolean second = dispatcher.submit(alert("q1"));
        boolean third = dispatcher.submit(alert("q2"));
        boolean fourth = dispatcher.submit(alert("q3"));

        // Then the overflow is refused at once, and the queue drains when the webhook recovers
        assertThat(List.of(second, third, fourth)).containsExactly(true, true, false);
        release.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> meters.counter("tollgate.webhook.delivered").count() == 3.0);
    }

    @Test
    void shouldKeepBackoffWithinItsCapWhenJittered() {
        WebhookDispatcher d = new WebhookDispatcher(config(URI.create("http://127.0.0.1:9/"), 10, 100), meters);
        dispatcher = d;
        for (int i = 0; i < 200; i++) {
            assertThat(d.backoffMillis(1)).isBetween(0L, 100L);
            assertThat(d.backoffMillis(3)).isBetween(0L, 400L);
            assertThat(d.backoffMillis(20)).isBetween(0L, 1_000L);
        }
    }

    private URI serve(java.util.function.IntUnaryOperator statusOfCall) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.createContext("/hook", exchange -> {
            bodies.add(exchange.getRequestBody().readAllBytes());
            int status = statusOfCall.applyAsInt(0);
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        server.start();
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook");
    }

    private static BudgetAlertsConfig.Webhook config(URI url, int attempts, long backoffMillis) {
        return new BudgetAlertsConfig.Webhook(url, attempts, Duration.ofMillis(backoffMillis), Duration.ofMillis(backoffMillis * 10),
                100, Duration.ofSeconds(5));
    }

    private static AlertView alert(String id) {
        return new AlertView(id, "BUDGET_THRESHOLD", "team:acme", "DAY", "2026-11-21", 80, 1_000_000, 800_000, 80.0,
                null, Map.of("sim-large", 600_000L), Map.of("planner", 800_000L),
                "team:acme has spent $0.80 of its daily budget of $1.00 for 2026-11-21 (80.0%), passing 80%.", 1L);
    }
}
