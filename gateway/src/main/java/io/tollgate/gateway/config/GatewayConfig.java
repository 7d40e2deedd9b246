package io.tollgate.gateway.config;

import io.tollgate.gateway.catalog.CatalogDefaults;
import io.tollgate.policy.access.AccessToken;
import io.tollgate.schemas.policy.TollgateConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything the gateway needs to run: the parsed {@code tollgate.yaml} ({@code policy}) plus the
 * gateway's own settings from {@code TOLLGATE_*} variables, and Kafka client properties from
 * {@code KAFKA_*} variables. {@code kafka} empty = no Kafka (events are spooled only; for tests).
 *
 * @param host               agents' listen address ({@code TOLLGATE_GATEWAY_HOST}, default 0.0.0.0: agents are remote)
 * @param port               agents' listen port ({@code TOLLGATE_GATEWAY_PORT}, default 8080; 0 = any free port)
 * @param admin              the admin listener ({@code /admin/*}, {@code /metrics}, {@code /health/*})
 * @param gatewayId          written into every usage event ({@code TOLLGATE_GATEWAY_ID}, default host name)
 * @param maxBodyBytes       larger request bodies get 413 ({@code TOLLGATE_MAX_BODY_BYTES}, default 4 MiB)
 * @param spoolDir           on-disk event spool ({@code TOLLGATE_SPOOL_DIR}, default ./tollgate-spool)
 * @param spoolMaxBytes      beyond this the gateway refuses new calls ({@code TOLLGATE_SPOOL_MAX_BYTES}, 256 MiB)
 * @param registryUrl        schema registry ({@code TOLLGATE_SCHEMA_REGISTRY_URL}, default mock://tollgate)
 * @param kafka              Kafka client properties ({@code KAFKA_BOOTSTRAP_SERVERS} -> bootstrap.servers ...)
 * @param followPolicies     consume {@code tollgate.policies.v1} for live key updates ({@code TOLLGATE_POLICY_TOPIC}, true)
 * @param maxWaitOverride    {@code TOLLGATE_MAX_WAIT_MS}: the longest auto-wait, over the policy's
 *                           {@code routing.max_wait_seconds} (routing itself comes from the policy topic)
 * @param discoveryTimeout   per listing request ({@code TOLLGATE_DISCOVERY_TIMEOUT_MS}, 3000)
 * @param discoveryTtl       refresh period of discovered models ({@code TOLLGATE_DISCOVERY_TTL_SECONDS}, 3600)
 * @param modelFileDirs      directories searched for {@code tollgate-models.json}: working dir, home
 * @param catalogDefaults    the last link of the catalog chain ({@code TOLLGATE_MODEL_DEFAULT_*})
 */
public record GatewayConfig(TollgateConfig policy, String policySource, String host, int port, Admin admin,
                            String gatewayId,
                            long maxBodyBytes, Path spoolDir, long spoolMaxBytes, String registryUrl,
                            Map<String, Object> kafka, boolean followPolicies, Optional<Duration> maxWaitOverride,
                            Duration discoveryTimeout, Duration discoveryTtl, Path workingDir, Path homeDir,
                            Map<String, String> env, CatalogDefaults catalogDefaults) {

    public GatewayConfig {
        Objects.requireNonNull(admin, "admin");
        Objects.requireNonNull(maxWaitOverride, "maxWaitOverride");
        kafka = Map.copyOf(kafka);
        env = Map.copyOf(env);
    }

    /**
     * The admin listener, apart from the agents' one and guarded by the admin token.
     *
     * @param host  listen address ({@code TOLLGATE_ADMIN_HOST}, default 127.0.0.1)
     * @param port  listen port ({@code TOLLGATE_ADMIN_PORT}, default 8090; 0 = any free port)
     * @param token {@code TOLLGATE_ADMIN_TOKEN}; empty: the gateway uses the token of
     *              {@code <spool dir>/admin-token}, generated there at start when missing
     */
    public record Admin(String host, int port, Optional<AccessToken> token) {
        public Admin {
            Objects.requireNonNull(host, "host");
            Objects.requireNonNull(token, "token");
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("TOLLGATE_ADMIN_PORT is " + port + "; expected 0..65535 (0 = any free port)");
            }
        }
    }

    /**
     * Settings without values that may be secret: the environment and the policy (provider API keys) are
     * left out and of the Kafka properties only the names are shown ({@code sasl.jaas.config} holds a password).
     */
    @Override
    public String toString() {
        return "GatewayConfig[host=" + host + ", port=" + port + ", admin=" + admin + ", gatewayId=" + gatewayId
                + ", spoolDir=" + spoolDir + ", registryUrl=" + registryUrl + ", kafka=" + new java.util.TreeSet<>(kafka.keySet())
                + ", policySource=" + policySource + "]";
    }

    public boolean kafkaEnabled() {
        return kafka.containsKey("bootstrap.servers");
    }

    public GatewayConfig withPort(int newPort) {
        return new GatewayConfig(policy, policySource, host, newPort, admin, gatewayId, maxBodyBytes, spoolDir, spoolMaxBytes,
                registryUrl, kafka, followPolicies, maxWaitOverride, discoveryTimeout, discoveryTtl, workingDir,
                homeDir, env, catalogDefaults);
    }

    public GatewayConfig withKafka(Map<String, Object> newKafka, String newRegistryUrl) {
        return new GatewayConfig(policy, policySource, host, port, admin, gatewayId, maxBodyBytes, spoolDir, spoolMaxBytes,
                newRegistryUrl, newKafka, followPolicies, maxWaitOverride, discoveryTimeout, discoveryTtl,
                workingDir, homeDir, env, catalogDefaults);
    }

    public GatewayConfig withSpool(Path dir, long maxBytes) {
        return new GatewayConfig(policy, policySource, host, port, admin, gatewayId, maxBodyBytes, dir, maxBytes,
                registryUrl, kafka, followPolicies, maxWaitOverride, discoveryTimeout, discoveryTtl, workingDir,
                homeDir, env, catalogDefaults);
    }

    public GatewayConfig withMaxBodyBytes(long bytes) {
        return new GatewayConfig(policy, policySource, host, port, admin, gatewayId, bytes, spoolDir, spoolMaxBytes,
                registryUrl, kafka, followPolicies, maxWaitOverride, discoveryTimeout, discoveryTtl, workingDir,
                homeDir, env, catalogDefaults);
    }

    public GatewayConfig withFollowPolicies(boolean follow) {
        return new GatewayConfig(policy, policySource, host, port, admin, gatewayId, maxBodyBytes, spoolDir, spoolMaxBytes,
                registryUrl, kafka, follow, maxWaitOverride, discoveryTimeout, discoveryTtl, workingDir,
                homeDir, env, catalogDefaults);
    }
}
