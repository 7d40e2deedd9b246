package io.tollgate.budget.config;

import java.util.List;
import java.util.Locale;

/**
 * Every configuration key of budget-alerts, as written in a properties file. The environment
 * variable of a key is its upper-case form with '.' and '-' turned into '_' (see {@link #envName}),
 * e.g. {@code tollgate.budget.http-port} is {@code TOLLGATE_BUDGET_HTTP_PORT}. Kafka properties are
 * written {@code kafka.<property>} in the file and {@code KAFKA_<PROPERTY>} in the environment
 * ({@link io.tollgate.policy.kafka.KafkaEnvironment}).
 */
public final class ConfigKeys {

    public static final String SCHEMA_REGISTRY_URL = "tollgate.schema-registry.url";
    public static final String APPLICATION_ID = "tollgate.budget.application-id";
    public static final String HTTP_HOST = "tollgate.budget.http-host";
    public static final String HTTP_PORT = "tollgate.budget.http-port";
    public static final String ADVERTISED_URL = "tollgate.budget.advertised-url";
    public static final String STATE_DIR = "tollgate.state-dir";
    public static final String ZONE = "tollgate.zone";
    public static final String RESET_HOUR = "tollgate.reset-hour";
    public static final String QUOTA_WARNING_PERCENT = "tollgate.quota-warning-percent";
    public static final String CHECK_INTERVAL = "tollgate.budget.check-interval";
    public static final String FORECAST_WINDOW = "tollgate.budget.forecast-window";
    public static final String FORECAST_MIN_SPAN = "tollgate.budget.forecast-min-span";
    public static final String FORECAST_HORIZON = "tollgate.budget.forecast-horizon";
    public static final String TOP_N = "tollgate.budget.top-n";
    public static final String ALERT_HISTORY_RETENTION = "tollgate.budget.alert-history-retention";
    public static final String WEBHOOK_URL = "tollgate.webhook.url";
    public static final String WEBHOOK_MAX_ATTEMPTS = "tollgate.webhook.max-attempts";
    public static final String WEBHOOK_INITIAL_BACKOFF = "tollgate.webhook.initial-backoff";
    public static final String WEBHOOK_MAX_BACKOFF = "tollgate.webhook.max-backoff";
    public static final String WEBHOOK_QUEUE_CAPACITY = "tollgate.webhook.queue-capacity";
    public static final String WEBHOOK_TIMEOUT = "tollgate.webhook.timeout";
    /** The token every REST request must send ({@code TOLLGATE_OPERATOR_TOKEN}); unset = {@code <state dir>/operator-token}. */
    public static final String OPERATOR_TOKEN = "tollgate.operator-token";
    /** Where the properties file is, when not given on the command line (environment only). */
    public static final String CONFIG_FILE = "tollgate.budget.config";

    public static final String KAFKA_PREFIX = "kafka.";

    /** Keys read from file and environment (Kafka properties aside). */
    public static final List<String> ALL = List.of(SCHEMA_REGISTRY_URL, APPLICATION_ID, HTTP_HOST, HTTP_PORT, ADVERTISED_URL,
            STATE_DIR, ZONE, RESET_HOUR, QUOTA_WARNING_PERCENT, CHECK_INTERVAL, FORECAST_WINDOW, FORECAST_MIN_SPAN,
            FORECAST_HORIZON, TOP_N, ALERT_HISTORY_RETENTION, WEBHOOK_URL, WEBHOOK_MAX_ATTEMPTS,
            WEBHOOK_INITIAL_BACKOFF, WEBHOOK_MAX_BACKOFF, WEBHOOK_QUEUE_CAPACITY, WEBHOOK_TIMEOUT, OPERATOR_TOKEN);

    private ConfigKeys() {
    }

    /** {@code tollgate.budget.http-port} -> {@code TOLLGATE_BUDGET_HTTP_PORT}. */
    public static String envName(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }
}
