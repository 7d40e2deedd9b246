package io.tollgate.budget.webhook;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.tollgate.budget.config.BudgetAlertsConfig;
import io.tollgate.budget.query.AlertView;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Posts alerts to the webhook from a bounded queue on a thread of its own, retrying server errors,
 * 429 and connection failures with exponential backoff and full jitter. {@link #submit} never
 * blocks: when the queue is full it answers false and the caller decides (the sink pauses its
 * consumer). Body: Slack-compatible {@code {"text": ...}} plus the alert's structured fields.
 */
public final class WebhookDispatcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(WebhookDispatcher.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final BudgetAlertsConfig.Webhook config;
    private final BlockingQueue<AlertView> queue;
    private final HttpClient http;
    private final MeterRegistry meters;
    private final Thread worker;
    private volatile boolean running = true;

    public WebhookDispatcher(BudgetAlertsConfig.Webhook config, MeterRegistry meters) {
        this.config = config;
        this.queue = new ArrayBlockingQueue<>(config.queueCapacity());
        this.http = HttpClient.newBuilder().connectTimeout(config.requestTimeout()).build();
        this.meters = meters;
        meters.gauge("tollgate.webhook.queue.size", queue, BlockingQueue::size);
        this.worker = Thread.ofPlatform().name("budget-webhook").daemon(true).start(this::run);
    }

    /** Queues an alert; false when the queue is full. */
    public boolean submit(AlertView alert) {
        return queue.offer(alert);
    }

    public int remainingCapacity() {
        return queue.remainingCapacity();
    }

    private void run() {
        while (running) {
            try {
                AlertView alert = queue.poll(200, TimeUnit.MILLISECONDS);
                if (alert != null) {
                    deliver(alert);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private void deliver(AlertView alert) throws InterruptedException {
        byte[] body = body(alert);
        HttpRequest request = HttpRequest.newBuilder(config.url()).timeout(config.requestTimeout())
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
        for (int attempt = 1; attempt <= config.maxAttempts() && running; attempt++) {
            String failure;
            try {
                HttpResponse<Void> response = http.send(request, HttpResponse.BodyHandlers.discarding());
                int status = response.statusCode();
                if (status >= 200 && status < 300) {
                    meters.counter("tollgate.webhook.delivered").increment();
                    return;
                }
                if (status != 429 && status < 500) {
                    meters.counter("tollgate.webhook.rejected").increment();
                    LOG.warn("webhook at {} refused alert {} with HTTP {}; not retrying a client error", config.url().getHost(), alert.alertId(), status);
                    return;
                }
                failure = "HTTP " + status;
            } catch (IOException e) {
                failure = e.toString();
            }
            if (attempt < config.maxAttempts()) {
                meters.counter("tollgate.webhook.retries").increment();
                TimeUnit.MILLISECONDS.sleep(backoffMillis(attempt));
            } else {
                meters.counter("tollgate.webhook.failed").increment();
                LOG.warn("webhook at {} failed for alert {} after {} attempts: {}", config.url().getHost(), alert.alertId(), attempt, failure);
            }
        }
    }

    /** Full jitter: uniform in [0, min(max, initial * 2^(attempt-1))]. */
    long backoffMillis(int attempt) {
        long cap = Math.min(config.maxBackoff().toMillis(), config.initialBackoff().toMillis() << Math.min(attempt - 1, 30));
        return ThreadLocalRandom.current().nextLong(cap + 1);
    }

    static byte[] body(AlertView alert) {
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("text", ":rotating_light: " + alert.message());
        payload.putAll(JSON.convertValue(alert, Map.class));
        try {
            return JSON.writeValueAsBytes(payload);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write alert " + alert.alertId() + " as JSON", e);
        }
    }

    @Override
    public void close() {
        running = false;
        worker.interrupt();
        try {
            worker.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
