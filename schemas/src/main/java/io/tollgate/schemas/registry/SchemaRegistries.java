package io.tollgate.schemas.registry;

import io.tollgate.schemas.serde.AvroSerdeConfig;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds the registry client for a URL: {@code mock://scope} gives the in-process registry of that
 * scope (shared by every serde in the JVM that names it), {@code http(s)://...} an HTTP client.
 * Clients are shared per URL and credentials so their caches serve every serde.
 */
public final class SchemaRegistries {

    private static final String MOCK_PREFIX = "mock://";
    private static final Map<String, SchemaRegistryClient> CLIENTS = new ConcurrentHashMap<>();

    private SchemaRegistries() {
    }

    public static SchemaRegistryClient forUrl(String url) {
        return forUrl(url, Map.of());
    }

    /** The client for {@code url}, with basic auth and timeout taken from {@code config} (AvroSerdeConfig keys). */
    public static SchemaRegistryClient forUrl(String url, Map<String, ?> config) {
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException("'" + AvroSerdeConfig.SCHEMA_REGISTRY_URL
                    + "' is missing; set it to http(s)://host:port or mock://<scope>");
        }
        String trimmed = url.trim();
        if (trimmed.startsWith(MOCK_PREFIX)) {
            String scope = trimmed.substring(MOCK_PREFIX.length());
            if (scope.isEmpty()) {
                throw new IllegalArgumentException("registry URL '" + url + "' names no scope; use mock://<scope>");
            }
            return CLIENTS.computeIfAbsent(MOCK_PREFIX + scope, InMemorySchemaRegistry::new);
        }
        if (trimmed.startsWith("http://") || trimmed.startsWith("https://")) {
            Object userInfo = config.get(AvroSerdeConfig.BASIC_AUTH_USER_INFO);
            Object timeout = config.get(AvroSerdeConfig.REQUEST_TIMEOUT_MS);
            Duration requestTimeout = Duration.ofMillis(timeout == null ? 10_000 : Long.parseLong(timeout.toString()));
            String cacheKey = trimmed + '\u0000' + (userInfo == null ? "" : userInfo) + '\u0000' + requestTimeout;
            return CLIENTS.computeIfAbsent(cacheKey, k -> new CachingSchemaRegistryClient(
                    new HttpSchemaRegistryClient(trimmed, userInfo == null ? null : userInfo.toString(), requestTimeout)));
        }
        throw new IllegalArgumentException("registry URL '" + url + "' has an unsupported scheme; use http(s)://host:port or mock://<scope>");
    }

    /** The client named by {@link AvroSerdeConfig#SCHEMA_REGISTRY_URL} in a serde configuration. */
    public static SchemaRegistryClient fromConfig(Map<String, ?> config) {
        Object url = config.get(AvroSerdeConfig.SCHEMA_REGISTRY_URL);
        return forUrl(url == null ? null : url.toString(), config);
    }

    /** Forgets an in-process scope, so the next use of {@code mock://scope} starts empty. */
    public static void dropScope(String scope) {
        CLIENTS.remove(MOCK_PREFIX + scope);
    }

    /** The in-process registry of a scope (created if absent), e.g. to serve it over HTTP. */
    public static InMemorySchemaRegistry inMemory(String scope) {
        return (InMemorySchemaRegistry) forUrl(MOCK_PREFIX + scope);
    }
}
