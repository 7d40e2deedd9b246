package io.tollgate.budget.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;
import io.tollgate.policy.access.AccessToken;

/**
 * Typed configuration of budget-alerts. Built by {@link ConfigLoader} from defaults, an optional
 * properties file and {@code TOLLGATE_*} / {@code KAFKA_*} environment variables; every key is
 * listed in {@link ConfigKeys} and documented in budget-alerts/README.md.
 *
 * @param kafka          Kafka properties ({@code bootstrap.servers} at least); they override what the
 *                       service derives, so any Streams or client setting can be tuned
 * @param webhook        null when no webhook URL is configured
 * @param advertisedUrl  how the other instances reach this one's REST API ({@code application.server});
 *                       null: {@code http://<http host, or this machine's name for 0.0.0.0>:<bound port>}
 * @param operatorToken  what every REST request must send as {@code Authorization: Bearer <token>}; empty: the
 *                       token of {@code <state dir>/operator-token}, generated there at start when missing
 * @param defaultResetHour with {@code defaultZone}: the calendar when neither a budget, its tenant nor the
 *                       organisation's settings on the policy topic name one (metering-stream's {@code reset.hour})
 */
public record BudgetAlertsConfig(
        Map<String, String> kafka,
        String schemaRegistryUrl,
        String applicationId,
        String httpHost,
        int httpPort,
        Path stateDir,
        ZoneId defaultZone,
        int defaultQuotaWarningPercent,
        Duration checkInterval,
        Duration forecastWindow,
        Duration forecastMinSpan,
        Duration forecastHorizon,
        int topN,
        Duration alertHistoryRetention,
        Webhook webhook,
        URI advertisedUrl,
        Optional<AccessToken> operatorToken,
        int defaultResetHour) {

    public BudgetAlertsConfig {
        Objects.requireNonNull(operatorToken, "operatorToken");
        kafka = Map.copyOf(kafka);
        if (!kafka.containsKey("bootstrap.servers")) {
            throw new IllegalArgumentException("Kafka bootstrap servers are not set; set KAFKA_BOOTSTRAP_SERVERS"
                    + " (or kafka.bootstrap.servers in the config file), e.g. 127.0.0.1:9092");
        }
        Objects.requireNonNull(schemaRegistryUrl, "schemaRegistryUrl");
        Objects.requireNonNull(applicationId, "applicationId");
        Objects.requireNonNull(stateDir, "stateDir");
        Objects.requireNonNull(defaultZone, "defaultZone");
        requireRange(ConfigKeys.HTTP_PORT, httpPort, 0, 65535);
        requireRange(ConfigKeys.RESET_HOUR, defaultResetHour, 0, 23);
        requireRange(ConfigKeys.QUOTA_WARNING_PERCENT, defaultQuotaWarningPercent, 1, 100);
        requireRange(ConfigKeys.TOP_N, topN, 0, 50);
        requirePositive(ConfigKeys.CHECK_INTERVAL, checkInterval);
        requirePositive(ConfigKeys.FORECAST_WINDOW, forecastWindow);
        requirePositive(ConfigKeys.FORECAST_MIN_SPAN, forecastMinSpan);
        requirePositive(ConfigKeys.FORECAST_HORIZON, forecastHorizon);
        requirePositive(ConfigKeys.ALERT_HISTORY_RETENTION, alertHistoryRetention);
        if (alertHistoryRetention.compareTo(Duration.ofDays(2)) < 0) {
            throw new IllegalArgumentException(ConfigKeys.ALERT_HISTORY_RETENTION + " is " + alertHistoryRetention
                    + "; expected at least 2d, since quota alerts are recognised as sent by their history");
        }
        if (advertisedUrl != null && (!"http".equals(advertisedUrl.getScheme()) || advertisedUrl.getHost() == null
                || advertisedUrl.getPort() < 0)) {
            throw new IllegalArgumentException(ConfigKeys.ADVERTISED_URL + " '" + advertisedUrl
                    + "' is not http://<host>:<port>; expected how the other instances reach this one, e.g. http://budget-1:8083");
        }
        if (forecastMinSpan.compareTo(forecastWindow) > 0) {
            throw new IllegalArgumentException(ConfigKeys.FORECAST_MIN_SPAN + " (" + forecastMinSpan
                    + ") is longer than " + ConfigKeys.FORECAST_WINDOW + " (" + forecastWindow
                    + "); a burn rate needs a span inside the window");
        }
    }

    /** The settings, with only the names of the Kafka properties ({@code sasl.jaas.config} holds a password). */
    @Override
    public String toString() {
        return "BudgetAlertsConfig[applicationId=" + applicationId + ", schemaRegistryUrl=" + schemaRegistryUrl + ", http="
                + httpHost + ":" + httpPort + ", advertisedUrl=" + advertisedUrl + ", stateDir=" + stateDir + ", kafka="
                + new TreeSet<>(kafka.keySet()) + ", webhook=" + (webhook == null ? "none" : webhook.url().getHost())
                + ", zone=" + defaultZone + ", resetHour=" + defaultResetHour + ", operatorToken=" + operatorToken + "]";
    }

    /** A copy that expects {@code token} from every REST request. */
    public BudgetAlertsConfig withOperatorToken(AccessToken token) {
        return new BudgetAlertsConfig(kafka, schemaRegistryUrl, applicationId, httpHost, httpPort, stateDir, defaultZone,
                defaultQuotaWarningPercent, checkInterval, forecastWindow, forecastMinSpan, forecastHorizon, topN,
                alertHistoryRetention, webhook, advertisedUrl, Optional.of(token), defaultResetHour);
    }

    /** Days starting at midnight unless the policies say otherwise. */
    public BudgetAlertsConfig(Map<String, String> kafka, String schemaRegistryUrl, String applicationId, String httpHost,
                              int httpPort, Path stateDir, ZoneId defaultZone, int defaultQuotaWarningPercent,
                              Duration checkInterval, Duration forecastWindow, Duration forecastMinSpan,
                              Duration forecastHorizon, int topN, Duration alertHistoryRetention, Webhook webhook,
                              URI advertisedUrl, Optional<AccessToken> operatorToken) {
        this(kafka, schemaRegistryUrl, applicationId, httpHost, httpPort, stateDir, defaultZone,
                defaultQuotaWarningPercent, checkInterval, forecastWindow, forecastMinSpan, forecastHorizon, topN,
                alertHistoryRetention, webhook, advertisedUrl, operatorToken, 0);
    }

    /**
     * Without an advertised URL (derived from the HTTP host and the port bound at start) and without a configured
     * operator token (the state directory's token file).
     */
    public BudgetAlertsConfig(Map<String, String> kafka, String schemaRegistryUrl, String applicationId, String httpHost,
                              int httpPort, Path stateDir, ZoneId defaultZone, int defaultQuotaWarningPercent,
                              Duration checkInterval, Duration forecastWindow, Duration forecastMinSpan,
                              Duration forecastHorizon, int topN, Duration alertHistoryRetention, Webhook webhook) {
        this(kafka, schemaRegistryUrl, applicationId, httpHost, httpPort, stateDir, defaultZone,
                defaultQuotaWarningPercent, checkInterval, forecastWindow, forecastMinSpan, forecastHorizon, topN,
                alertHistoryRetention, webhook, null, Optional.empty());
    }

    /** Delivery of alerts to an HTTP endpoint (Slack-compatible JSON). */
    public record Webhook(URI url, int maxAttempts, Duration initialBackoff, Duration maxBackoff,
                          int queueCapacity, Duration requestTimeout) {
        public Webhook {
            Objects.requireNonNull(url, "url");
            if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme())) {
                throw new IllegalArgumentException(ConfigKeys.WEBHOOK_URL + " '" + url + "' is not an http(s) URL");
            }
            requireRange(ConfigKeys.WEBHOOK_MAX_ATTEMPTS, maxAttempts, 1, 100);
            requireRange(ConfigKeys.WEBHOOK_QUEUE_CAPACITY, queueCapacity, 1, 1_000_000);
            requirePositive(ConfigKeys.WEBHOOK_INITIAL_BACKOFF, initialBackoff);
            requirePositive(ConfigKeys.WEBHOOK_MAX_BACKOFF, maxBackoff);
            requirePositive(ConfigKeys.WEBHOOK_TIMEOUT, requestTimeout);
        }
    }

    public String bootstrapServers() {
        return kafka.get("bootstrap.servers");
    }

    private static void requireRange(String key, int value, int min, int max) {
        if (value < min || value > max) {
            throw new IllegalArgumentException(key + " is " + value + "; expected " + min + ".." + max);
        }
    }

    private static void requirePositive(String key, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(key + " is " + value + "; expected a positive duration such as 500ms, 5s, 1h");
        }
    }
}
