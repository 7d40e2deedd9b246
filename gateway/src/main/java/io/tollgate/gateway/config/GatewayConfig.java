package io.tollgate.gateway.config;

import io.tollgate.gateway.catalog.CatalogDefaults;
import io.tollgate.schemas.policy.TollgateConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Everything the gateway needs to run: the parsed {@code tollgate.yaml} ({@code policy}) plus the
 * gateway's own settings from {@code TOLLGATE_*} variables, and Kafka client properties from
 * {@code KAFKA_*} variables. {@code kafka} empty = no Kafka (events are spooled only; for tests).
 *
 * @param host               listen address ({@code TOLLGATE_GATEWAY_HOST}, default 0.0.0.0)
 * @param port               listen port ({@code TOLLGATE_GATEWAY_PORT}, default 8080; 0 = any free port)
 * @param gatewayId          written into every usage event ({@code TOLLGATE_GATEWAY_ID}, default host name)
 * @param maxBodyBytes       larger request bodies get 413 ({@code TOLLGATE_MAX_BODY_BYTES}, default 4 MiB)
 * @param spoolDir           on-disk event spool ({@code TOLLGATE_SPOOL_DIR}, default ./tollgate-spool)
 * @param spoolMaxBytes      beyond this the gateway refuses new calls ({@code TOLLGATE_SPOOL_MAX_BYTES}, 256 MiB)
 * @param registryUrl        schema registry ({@code TOLLGATE_SCHEMA_REGISTRY_URL}, default mock://tollgate)
 * @param kafka              Kafka client properties ({@code KAFKA_BOOTSTRAP_SERVERS} -> bootstrap.servers ...)
 * @param followPolicies     consume {@code tollgate.policies.v1} for live key updates ({@code TOLLGATE_POLICY_TOPIC}, true)
 * @param maxWait            longest auto-wait for a limit ({@code routing.max_wait_seconds}; {@code TOLLGATE_MAX_WAIT_MS})
 * @param autoWait           wait rather than cascade when a limit frees up soon ({@code routing.auto_wait})
 * @param discoveryTimeout   per listing request ({@code TOLLGATE_DISCOVERY_TIMEOUT_MS}, 3000)
 * @param discoveryTtl       refresh period of discovered models ({@code TOLLGATE_DISCOVERY_TTL_SECONDS}, 3600)
 * @param modelFileDirs      directories searched for {@code tollgate-models.json}: working dir, home
 * @param catalogDefaults    the last link of the catalog chain ({@code TOLLGATE_MODEL_DEFAULT_*})
 */
public record GatewayConfig(TollgateConfig policy, String policySource, String host, int port, String gatewayId,
                            long maxBodyBytes, Path spoolDir, long spoolMaxBytes, String registryUrl,
                            Map<String, Object> kafka, boolean followPolicies, Duration maxWait, boolean autoWait,
                            Duration discoveryTimeout, Duration discoveryTtl, Path workingDir, Path homeDir,
                            Map<String, String> env, CatalogDefaults catalogDefaults) {

    public GatewayConfig {
        kafka = Map.copyOf(kafka);
        env = Map.copyOf(env);
    }

    public boolean kafkaEnabled() {
        return kafka.containsKey("bootstrap.servers");
    }

    public GatewayConfig withPort(int newPort) {
        return new GatewayConfig(policy, policySource, host, newPort, gatewayId, maxBodyBytes, spoolDir, spoolMaxBytes,
                registryUrl, kafka, followPolicies, maxWait, autoWait, discoveryTimeout, discoveryTtl, workingDir,
                homeDir, env, catalogDefaults);
    }

    public GatewayConfig withKafka(Map<String, Object> newKafka, String newRegistryUrl) {
        return new GatewayConfig(policy, policySource, host, port, gatewayId, maxBodyBytes, spoolDir, spoolMaxBytes,
                newRegistryUrl, newKafka, followPolicies, maxWait, autoWait, discoveryTimeout, discoveryTtl,
                workingDir, homeDir, env, catalogDefaults);
    }

    public GatewayConfig withSpool(Path dir, long maxBytes) {
        return new GatewayConfig(policy, policySource, host, port, gatewayId, maxBodyBytes, dir, maxBytes,
                registryUrl, kafka, followPolicies, maxWait, autoWait, discoveryTimeout, discoveryTtl, workingDir,
                homeDir, env, catalogDefaults);
    }

    public GatewayConfig withMaxBodyBytes(long bytes) {
        return new GatewayConfig(policy, policySource, host, port, gatewayId, bytes, spoolDir, spoolMaxBytes,
                registryUrl, kafka, followPolicies, maxWait, autoWait, discoveryTimeout, discoveryTtl, workingDir,
                homeDir, env, catalogDefaults);
    }

    public GatewayConfig withFollowPolicies(boolean follow) {
        return new GatewayConfig(policy, policySource, host, port, gatewayId, maxBodyBytes, spoolDir, spoolMaxBytes,
                registryUrl, kafka, follow, maxWait, autoWait, discoveryTimeout, discoveryTtl, workingDir,
                homeDir, env, catalogDefaults);
    }
}
