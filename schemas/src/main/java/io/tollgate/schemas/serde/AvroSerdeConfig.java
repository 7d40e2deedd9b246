package io.tollgate.schemas.serde;

/** Configuration keys of {@link AvroSerde}; the names follow Confluent's so existing configs carry over. */
public final class AvroSerdeConfig {

    /** {@code http(s)://host:port[,more]} or {@code mock://scope}. */
    public static final String SCHEMA_REGISTRY_URL = "schema.registry.url";
    /** {@code user:password} for HTTP basic auth against the registry. */
    public static final String BASIC_AUTH_USER_INFO = "basic.auth.user.info";
    /** Register the writer schema on first use (default true); false = look it up, fail if absent. */
    public static final String AUTO_REGISTER_SCHEMAS = "auto.register.schemas";
    /** Registry request timeout in milliseconds (default 10000). */
    public static final String REQUEST_TIMEOUT_MS = "schema.registry.request.timeout.ms";

    private AvroSerdeConfig() {
    }
}
