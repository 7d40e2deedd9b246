package io.tollgate.budget.config;

import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import io.tollgate.policy.access.AccessToken;
import io.tollgate.policy.kafka.KafkaEnvironment;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds {@link BudgetAlertsConfig}: defaults, then the properties file, then the environment
 * (the environment wins, so a container can override a baked-in file).
 */
public final class ConfigLoader {

    private static final Pattern SHORT_DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");

    private ConfigLoader() {
    }

    /** Reads {@code file} (may be null) and the process environment. */
    public static BudgetAlertsConfig load(Path file) {
        return load(file, System.getenv());
    }

    public static BudgetAlertsConfig load(Path file, Map<String, String> env) {
        Map<String, String> values = new HashMap<>();
        Map<String, String> kafka = new HashMap<>();
        if (file != null) {
            readFile(file, values, kafka);
        }
        for (String key : ConfigKeys.ALL) {
            String fromEnv = env.get(ConfigKeys.envName(key));
            if (fromEnv != null && !fromEnv.isBlank()) {
                values.put(key, fromEnv.trim());
            }
        }
        kafka.putAll(KafkaEnvironment.clientProperties(env));
        return build(values, kafka);
    }

    /** The file named by {@code --config <path>} in {@code args}, else by TOLLGATE_BUDGET_CONFIG, else none. */
    public static Path configFile(String[] args, Map<String, String> env) {
        for (int i = 0; i < args.length; i++) {
            if ("--config".equals(args[i])) {
                if (i + 1 == args.length) {
                    throw new IllegalArgumentException("--config needs a path to a properties file");
                }
                return Path.of(args[i + 1]);
            }
        }
        String fromEnv = env.get(ConfigKeys.envName(ConfigKeys.CONFIG_FILE));
        return fromEnv == null || fromEnv.isBlank() ? null : Path.of(fromEnv);
    }

    private static void readFile(Path file, Map<String, String> values, Map<String, String> kafka) {
        Properties props = new Properties();
        try (Reader reader = Files.newBufferedReader(file)) {
            props.load(reader);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read config file " + file.toAbsolutePath() + ": " + e.getMessage(), e);
        }
        for (String name : props.stringPropertyNames()) {
            String value = props.getProperty(name).trim();
            if (name.startsWith(ConfigKeys.KAFKA_PREFIX)) {
                kafka.put(name.substring(ConfigKeys.KAFKA_PREFIX.length()), value);
            } else if (ConfigKeys.ALL.contains(name)) {
                values.put(name, value);
            } else {
                throw new IllegalArgumentException("config file " + file + " has unknown key '" + name
                        + "'; known keys: " + ConfigKeys.ALL + " and kafka.<property>");
            }
        }
    }

    private static BudgetAlertsConfig build(Map<String, String> v, Map<String, String> kafka) {
        String webhookUrl = v.get(ConfigKeys.WEBHOOK_URL);
        BudgetAlertsConfig.Webhook webhook = webhookUrl == null || webhookUrl.isBlank() ? null
                : new BudgetAlertsConfig.Webhook(
                        uri(ConfigKeys.WEBHOOK_URL, webhookUrl),
                        integer(v, ConfigKeys.WEBHOOK_MAX_ATTEMPTS, 5),
                        duration(v, ConfigKeys.WEBHOOK_INITIAL_BACKOFF, Duration.ofMillis(500)),
                        duration(v, ConfigKeys.WEBHOOK_MAX_BACKOFF, Duration.ofSeconds(30)),
                        integer(v, ConfigKeys.WEBHOOK_QUEUE_CAPACITY, 1000),
                        duration(v, ConfigKeys.WEBHOOK_TIMEOUT, Duration.ofSeconds(5)));
        return new BudgetAlertsConfig(
                kafka,
                v.getOrDefault(ConfigKeys.SCHEMA_REGISTRY_URL, "http://localhost:8081"),
                v.getOrDefault(ConfigKeys.APPLICATION_ID, "tollgate-budget-alerts"),
                v.getOrDefault(ConfigKeys.HTTP_HOST, "127.0.0.1"),
                integer(v, ConfigKeys.HTTP_PORT, 8083),
                Path.of(v.getOrDefault(ConfigKeys.STATE_DIR, Path.of(System.getProperty("java.io.tmpdir"), "tollgate").toString())),
                zone(v.getOrDefault(ConfigKeys.ZONE, "UTC")),
                integer(v, ConfigKeys.QUOTA_WARNING_PERCENT, 80),
                duration(v, ConfigKeys.CHECK_INTERVAL, Duration.ofSeconds(1)),
                duration(v, ConfigKeys.FORECAST_WINDOW, Duration.ofHours(1)),
                duration(v, ConfigKeys.FORECAST_MIN_SPAN, Duration.ofMinutes(5)),
                duration(v, ConfigKeys.FORECAST_HORIZON, Duration.ofHours(2)),
                integer(v, ConfigKeys.TOP_N, 3),
                duration(v, ConfigKeys.ALERT_HISTORY_RETENTION, Duration.ofDays(30)),
                webhook,
                blank(v.get(ConfigKeys.ADVERTISED_URL)) ? null
                        : uri(ConfigKeys.ADVERTISED_URL, v.get(ConfigKeys.ADVERTISED_URL)),
                blank(v.get(ConfigKeys.OPERATOR_TOKEN)) ? Optional.empty() : Optional.of(AccessToken.of(
                        v.get(ConfigKeys.OPERATOR_TOKEN), ConfigKeys.OPERATOR_TOKEN + " (env TOLLGATE_OPERATOR_TOKEN)")),
                integer(v, ConfigKeys.RESET_HOUR, 0));
    }

    private static int integer(Map<String, String> v, String key, int fallback) {
        String raw = v.get(key);
        if (raw == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(raw);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(key + " is '" + raw + "'; expected a whole number (env "
                    + ConfigKeys.envName(key) + ")", e);
        }
    }

    /** Accepts 500ms, 5s, 10m, 2h, 30d or ISO-8601 (PT5S). */
    static Duration duration(Map<String, String> v, String key, Duration fallback) {
        String raw = v.get(key);
        if (raw == null) {
            return fallback;
        }
        Matcher m = SHORT_DURATION.matcher(raw.toLowerCase(Locale.ROOT));
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            return switch (m.group(2)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofDays(n);
            };
        }
        try {
            return Duration.parse(raw);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(key + " is '" + raw + "'; expected a duration such as 500ms, 5s, 10m,"
                    + " 2h, 30d or PT5S (env " + ConfigKeys.envName(key) + ")", e);
        }
    }

    private static ZoneId zone(String raw) {
        try {
            return ZoneId.of(raw);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(ConfigKeys.ZONE + " is '" + raw
                    + "'; expected a time-zone id such as UTC or Europe/Berlin (env TOLLGATE_ZONE)", e);
        }
    }

    private static boolean blank(String raw) {
        return raw == null || raw.isBlank();
    }

    private static URI uri(String key, String raw) {
        try {
            return new URI(raw);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException(key + " is '" + raw + "'; expected a URL such as https://hooks.slack.com/...", e);
        }
    }
}
