package io.tollgate.metering.config;

import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import io.tollgate.policy.access.AccessToken;
import io.tollgate.policy.kafka.KafkaEnvironment;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * Builds a {@link MeteringConfig} from defaults, then an optional file ({@code .properties} or
 * {@code .yaml}/{@code .yml}, nested YAML maps are flattened to dotted keys), then environment
 * variables. {@code TOLLGATE_X_Y} sets key {@code x.y}; {@code KAFKA_X_Y} sets Kafka property {@code x.y}
 * (as does file key {@code kafka.x.y}). Unknown keys in the file are an error; unknown {@code TOLLGATE_*}
 * variables are ignored, since other services read the same environment.
 */
public final class MeteringConfigLoader {

    /** Every Tollgate key this service reads, with its default (null = required). */
    public static final Map<String, String> DEFAULTS = defaults();

    /** The key of the operator token ({@code TOLLGATE_OPERATOR_TOKEN}); empty = the state dir's token file. */
    public static final String OPERATOR_TOKEN = "operator.token";

    private MeteringConfigLoader() {
    }

    private static Map<String, String> defaults() {
        Map<String, String> d = new LinkedHashMap<>();
        d.put("application.id", "tollgate-metering");
        d.put("schema.registry.url", null);
        d.put("metering.http.host", "127.0.0.1");
        d.put("metering.http.port", "8082");
        d.put("metering.advertised.url", "");
        d.put("state.dir", System.getProperty("java.io.tmpdir") + "/tollgate/metering-state");
        d.put("zone", "UTC");
        d.put("reset.hour", "0");
        d.put("metering.grace", "10s");
        d.put("metering.max.future.skew", "5m");
        d.put("metering.settle.after", "15m");
        d.put("metering.dedupe.retention", "24h");
        d.put("metering.pending.retention", "1d");
        d.put("metering.period.retention", "40d");
        d.put("metering.health.retention", "2h");
        d.put("metering.calls.retention", "7d");
        d.put("metering.standby.replicas", "1");
        d.put("metering.stream.threads", "1");
        d.put("metering.commit.interval.ms", "100");
        d.put("metering.create.topics", "true");
        d.put("metering.topic.partitions", "6");
        d.put("metering.topic.replication", "1");
        d.put("metering.status.emit", "per-commit");
        d.put(OPERATOR_TOKEN, "");
        return java.util.Collections.unmodifiableMap(d);
    }

    /** Reads {@code file} (may be null) and the process environment. */
    public static MeteringConfig load(Path file) {
        return load(file, System.getenv());
    }

    public static MeteringConfig load(Path file, Map<String, String> env) {
        Map<String, String> values = new TreeMap<>();
        Map<String, String> kafka = new TreeMap<>();
        if (file != null) {
            readFile(file).forEach((key, value) -> put(key, value, values, kafka, "file " + file));
        }
        env.forEach((name, value) -> {
            if (name.startsWith("TOLLGATE_")) {
                String key = name.substring("TOLLGATE_".length()).toLowerCase(Locale.ROOT).replace('_', '.');
                if (DEFAULTS.containsKey(key)) {
                    values.put(key, value);
                }
            }
        });
        kafka.putAll(KafkaEnvironment.clientProperties(env));
        return fromMaps(values, kafka);
    }

    /** Builds a config from Tollgate keys and Kafka properties (defaults fill the rest). */
    public static MeteringConfig fromMaps(Map<String, String> tollgate, Map<String, String> kafka) {
        Map<String, String> v = new TreeMap<>();
        DEFAULTS.forEach((k, d) -> {
            if (d != null) {
                v.put(k, d);
            }
        });
        tollgate.forEach((k, value) -> {
            if (!DEFAULTS.containsKey(k)) {
                throw new IllegalArgumentException("unknown metering config key '" + k + "'; known keys: " + DEFAULTS.keySet());
            }
            v.put(k, value.trim());
        });
        int port = integer(v, "metering.http.port");
        String advertised = v.get("metering.advertised.url");
        return new MeteringConfig(
                v.get("application.id"),
                v.get("schema.registry.url"),
                v.get("metering.http.host"),
                port,
                advertised.isEmpty() ? (port == 0 ? null : URI.create("http://localhost:" + port)) : url(advertised),
                Path.of(v.get("state.dir")),
                zone(v.get("zone")),
                integer(v, "reset.hour"),
                duration(v, "metering.grace"),
                duration(v, "metering.max.future.skew"),
                duration(v, "metering.settle.after"),
                duration(v, "metering.dedupe.retention"),
                duration(v, "metering.pending.retention"),
                duration(v, "metering.period.retention"),
                duration(v, "metering.health.retention"),
                duration(v, "metering.calls.retention"),
                integer(v, "metering.standby.replicas"),
                integer(v, "metering.stream.threads"),
                integer(v, "metering.commit.interval.ms"),
                bool(v, "metering.create.topics"),
                integer(v, "metering.topic.partitions"),
                (short) integer(v, "metering.topic.replication"),
                statusPerCommit(v.get("metering.status.emit")),
                kafka,
                token(v.get(OPERATOR_TOKEN)));
    }

    private static void put(String key, String value, Map<String, String> values, Map<String, String> kafka, String where) {
        if (key.startsWith("kafka.")) {
            kafka.put(key.substring("kafka.".length()), value);
        } else if (DEFAULTS.containsKey(key)) {
            values.put(key, value);
        } else {
            throw new IllegalArgumentException(where + " has unknown key '" + key + "'; known keys: "
                    + DEFAULTS.keySet() + " and kafka.<any Kafka property>");
        }
    }

    private static Map<String, String> readFile(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        try (Reader reader = Files.newBufferedReader(file)) {
            Map<String, String> flat = new LinkedHashMap<>();
            if (name.endsWith(".yaml") || name.endsWith(".yml")) {
                Object root = new Load(LoadSettings.builder().setLabel(file.toString()).build()).loadFromReader(reader);
                if (root != null && !(root instanceof Map<?, ?>)) {
                    throw new IllegalArgumentException("config file " + file + " is not a YAML mapping of keys to values");
                }
                flatten("", root == null ? Map.of() : (Map<?, ?>) root, flat);
            } else {
                Properties p = new Properties();
                p.load(reader);
                p.stringPropertyNames().forEach(k -> flat.put(k, p.getProperty(k)));
            }
            return flat;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read metering config file " + file + ": " + e.getMessage(), e);
        }
    }

    private static void flatten(String prefix, Map<?, ?> map, Map<String, String> out) {
        map.forEach((k, v) -> {
            String key = prefix.isEmpty() ? String.valueOf(k) : prefix + '.' + k;
            if (v instanceof Map<?, ?> nested) {
                flatten(key, nested, out);
            } else {
                out.put(key, v == null ? "" : String.valueOf(v));
            }
        });
    }

    /** Parses {@code 500ms}, {@code 10s}, {@code 2m}, {@code 1h}, {@code 3d} or ISO-8601 ({@code PT10S}). */
    static Duration parseDuration(String key, String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.startsWith("p")) {
                return Duration.parse(t.toUpperCase(Locale.ROOT));
            }
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            }
            long n = Long.parseLong(t.substring(0, t.length() - 1));
            return switch (t.charAt(t.length() - 1)) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                case 'd' -> Duration.ofDays(n);
                default -> throw new NumberFormatException();
            };
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("metering config '" + key + "' is '" + text
                    + "'; expected a duration like 500ms, 10s, 2m, 1h, 3d or PT10S", e);
        }
    }

    private static Duration duration(Map<String, String> v, String key) {
        return parseDuration(key, v.get(key));
    }

    private static int integer(Map<String, String> v, String key) {
        try {
            return Integer.parseInt(v.get(key));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("metering config '" + key + "' is '" + v.get(key) + "'; expected an integer", e);
        }
    }

    private static boolean bool(Map<String, String> v, String key) {
        String s = v.get(key).toLowerCase(Locale.ROOT);
        if (!s.equals("true") && !s.equals("false")) {
            throw new IllegalArgumentException("metering config '" + key + "' is '" + v.get(key) + "'; expected true or false");
        }
        return Boolean.parseBoolean(s);
    }

    private static boolean statusPerCommit(String text) {
        return switch (text) {
            case "every-event" -> false;
            case "per-commit" -> true;
            default -> throw new IllegalArgumentException("metering config 'metering.status.emit' is '" + text
                    + "'; expected every-event or per-commit");
        };
    }

    private static Optional<AccessToken> token(String text) {
        return text.isEmpty() ? Optional.empty()
                : Optional.of(AccessToken.of(text, "metering config '" + OPERATOR_TOKEN + "' (TOLLGATE_OPERATOR_TOKEN)"));
    }

    private static ZoneId zone(String text) {
        try {
            return ZoneId.of(text);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("metering config 'zone' is '" + text
                    + "'; expected a time-zone id like UTC or Europe/Berlin", e);
        }
    }

    private static URI url(String text) {
        URI uri = URI.create(text);
        if (uri.getHost() == null || uri.getPort() < 0 || !"http".equals(uri.getScheme())) {
            throw new IllegalArgumentException("metering config 'metering.advertised.url' is '" + text
                    + "'; expected http://host:port that other instances can reach");
        }
        return uri;
    }
}
