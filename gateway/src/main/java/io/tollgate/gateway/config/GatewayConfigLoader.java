package io.tollgate.gateway.config;

import io.tollgate.gateway.catalog.CatalogDefaults;
import io.tollgate.gateway.catalog.Prices;
import io.tollgate.policy.access.AccessToken;
import io.tollgate.policy.kafka.KafkaEnvironment;
import io.tollgate.schemas.policy.PolicyFileParser;
import io.tollgate.schemas.policy.TollgateConfig;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Builds a {@link GatewayConfig} from {@code tollgate.yaml} ({@code TOLLGATE_CONFIG}, default
 * ./tollgate.yaml) and environment variables. Every {@code KAFKA_X_Y} becomes the Kafka property
 * {@code x.y} of every client ({@link KafkaEnvironment}), so security and any other client setting can be
 * given without code changes.
 */
public final class GatewayConfigLoader {

    private final Map<String, String> env;

    public GatewayConfigLoader(Map<String, String> env) {
        this.env = Map.copyOf(env);
    }

    public GatewayConfig load() {
        Path file = Path.of(env.getOrDefault("TOLLGATE_CONFIG", "tollgate.yaml"));
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("TOLLGATE_CONFIG points at " + file.toAbsolutePath()
                    + ", which is not a file; set TOLLGATE_CONFIG to the path of tollgate.yaml");
        }
        return load(PolicyFileParser.parse(file, env::get), file.getFileName().toString());
    }

    /** With an already parsed policy file (the local-stack launcher parses it once for every service). */
    public GatewayConfig load(TollgateConfig policy, String policySource) {
        Optional<Duration> maxWaitOverride = env.containsKey("TOLLGATE_MAX_WAIT_MS")
                ? Optional.of(Duration.ofMillis(longVar("TOLLGATE_MAX_WAIT_MS", 0))) : Optional.empty();
        return new GatewayConfig(policy, policySource,
                env.getOrDefault("TOLLGATE_GATEWAY_HOST", "0.0.0.0"),
                (int) longVar("TOLLGATE_GATEWAY_PORT", 8080),
                new GatewayConfig.Admin(env.getOrDefault("TOLLGATE_ADMIN_HOST", "127.0.0.1"),
                        (int) longVar("TOLLGATE_ADMIN_PORT", 8090), token("TOLLGATE_ADMIN_TOKEN")),
                env.getOrDefault("TOLLGATE_GATEWAY_ID", hostName()),
                longVar("TOLLGATE_MAX_BODY_BYTES", 4L * 1024 * 1024),
                Path.of(env.getOrDefault("TOLLGATE_SPOOL_DIR", "tollgate-spool")),
                longVar("TOLLGATE_SPOOL_MAX_BYTES", 256L * 1024 * 1024),
                env.getOrDefault("TOLLGATE_SCHEMA_REGISTRY_URL", "mock://tollgate"),
                kafkaProperties(env),
                Boolean.parseBoolean(env.getOrDefault("TOLLGATE_POLICY_TOPIC", "true")),
                maxWaitOverride,
                Duration.ofMillis(longVar("TOLLGATE_DISCOVERY_TIMEOUT_MS", 3_000)),
                Duration.ofSeconds(longVar("TOLLGATE_DISCOVERY_TTL_SECONDS", 3_600)),
                Path.of(env.getOrDefault("TOLLGATE_WORKING_DIR", System.getProperty("user.dir"))),
                Path.of(env.getOrDefault("HOME", System.getProperty("user.home"))),
                env,
                catalogDefaults());
    }

    /** {@code KAFKA_BOOTSTRAP_SERVERS=h:9092} -> {@code bootstrap.servers=h:9092}, as {@link KafkaEnvironment} reads it. */
    public static Map<String, Object> kafkaProperties(Map<String, String> env) {
        return new HashMap<>(KafkaEnvironment.clientProperties(env));
    }

    private Optional<AccessToken> token(String name) {
        String v = env.get(name);
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(AccessToken.of(v, name));
    }

    private CatalogDefaults catalogDefaults() {
        CatalogDefaults d = CatalogDefaults.STANDARD;
        return new CatalogDefaults(
                (int) longVar("TOLLGATE_MODEL_DEFAULT_LIMIT", d.contextWindow()),
                (int) longVar("TOLLGATE_MODEL_DEFAULT_MAX_OUTPUT", d.maxOutputTokens()),
                env.getOrDefault("TOLLGATE_MODEL_DEFAULT_TOKENIZER", d.tokenizer()),
                price("TOLLGATE_MODEL_DEFAULT_PRICE_INPUT", d.inputPrice()),
                price("TOLLGATE_MODEL_DEFAULT_PRICE_OUTPUT", d.outputPrice()),
                price("TOLLGATE_MODEL_DEFAULT_PRICE_CACHED_INPUT", d.cachedInputPrice()),
                d.tier(),
                isSet("TOLLGATE_MODEL_DEFAULT_PRICE_INPUT") && isSet("TOLLGATE_MODEL_DEFAULT_PRICE_OUTPUT"));
    }

    private boolean isSet(String name) {
        String v = env.get(name);
        return v != null && !v.isBlank();
    }

    private long price(String name, long fallback) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            return fallback;
        }
        try {
            return Prices.dollarsPerMillionToMicros(v);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(name + "='" + v
                    + "' is not a price; expected US dollars per million tokens, e.g. 2.50", e);
        }
    }

    private long longVar(String name, long fallback) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            return fallback;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + "='" + v + "' is not a whole number", e);
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "gateway";
        }
    }
}
