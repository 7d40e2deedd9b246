package io.tollgate.gateway.it;

import io.tollgate.gateway.GatewayApplication;
import io.tollgate.gateway.config.GatewayConfigLoader;
import io.tollgate.localstack.junit.SharedKafka;
import io.tollgate.localstack.provider.SimulatedProvider;
import io.tollgate.schemas.policy.PolicyFileParser;
import io.tollgate.schemas.policy.TollgateConfig;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;

/**
 * The gateway with its control plane (policy router, quota and command admission, breaker) on the
 * embedded broker, over the simulated provider, with a policy written for the OpenAI-boundary ITs:
 * <ul>
 *   <li>{@code sim-large}, {@code sim-medium}, {@code sim-small} (128k), {@code sim-small-8k} (8k window,
 *       the cheapest small model), {@code sim-local} (free, 32k), {@code sim-alias} (sent upstream as
 *       {@code sim-large}), {@code sim-unpriced} (served by the provider, priced by no source);</li>
 *   <li>keys: {@code <prefix>-open} (no limits to speak of), {@code <prefix>-limited} (rpm 50, tpm 100000),
 *       {@code <prefix>-restricted} (may use sim-small only), {@code <prefix>-one} (rpm 1 on sim-large),
 *       {@code <prefix>-down} (for commands), {@code <prefix>-tiny} (one request per minute in all), each
 *       in its own team {@code <key id>-team}; secrets are {@code tg-<key id>};</li>
 *   <li>routing: sim-large falls back to sim-medium then sim-small, then the local fallback sim-local;
 *       no auto-wait.</li>
 * </ul>
 * Key ids carry a prefix per test class, so classes sharing the broker never share a limit or a team.
 */
final class BoundaryStack implements AutoCloseable {

    private static final HexFormat HEX = HexFormat.of();

    final SimulatedProvider provider;
    final GatewayApplication gateway;
    final String prefix;
    /** The policy published to the topic before the gateway started. */
    final TollgateConfig policy;
    private final HttpClient http = HttpClient.newHttpClient();

    private BoundaryStack(SimulatedProvider provider, GatewayApplication gateway, String prefix, TollgateConfig policy) {
        this.provider = provider;
        this.gateway = gateway;
        this.prefix = prefix;
        this.policy = policy;
    }

    static BoundaryStack start(SharedKafka kafka, Path dir, String prefix, Map<String, String> extraEnv) {
        SimulatedProvider provider = SimulatedProvider.start();
        Map<String, String> env = new HashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
        env.put("TOLLGATE_SCHEMA_REGISTRY_URL", kafka.registryUrl());
        env.put("TOLLGATE_GATEWAY_PORT", "0");
        env.put("TOLLGATE_GATEWAY_HOST", "127.0.0.1");
        env.put("TOLLGATE_GATEWAY_ID", "gw-" + prefix);
        env.put("TOLLGATE_ADMIN_PORT", "0");
        env.put("TOLLGATE_ADMIN_TOKEN", GatewayFixture.ADMIN_TOKEN);
        env.put("TOLLGATE_SPOOL_DIR", dir.resolve("spool-" + prefix).toString());
        env.put("TOLLGATE_WORKING_DIR", dir.toString());
        env.put("HOME", dir.toString());
        env.putAll(extraEnv);
        String yaml = policy(provider.baseUrl(), prefix);
        TollgateConfig policy = PolicyFileParser.parse(yaml, prefix + ".yaml");
        // a gateway takes its policy from the topic, as `tollgate policy apply` leaves it; key ids are the prefix's
        PolicyTopic.publish(kafka, policy, prefix + ".yaml");
        GatewayApplication gateway = new GatewayApplication(new GatewayConfigLoader(env)
                .load(policy, prefix + ".yaml")).start();
        return new BoundaryStack(provider, gateway, prefix, policy);
    }

    private static String policy(String providerUrl, String p) {
        return """
                organisation: {zone: UTC, reset_hour: 0, quota_warning_percent: 80}
                providers:
                  - name: simulated
                    base_url: %1$s
                    api_keys: [sim-key-1]
                    discovery: none
                models:
                  - {id: sim-large, provider: simulated, context_window: 128000, max_output_tokens: 16384,
                     tokenizer: o200k_base, price: {input: 2.50, output: 10.00}, tier: large}
                  - {id: sim-medium, provider: simulated, context_window: 128000, max_output_tokens: 16384,
                     tokenizer: o200k_base, price: {input: 0.40, output: 1.60}, tier: medium}
                  - {id: sim-small, provider: simulated, context_window: 128000, max_output_tokens: 16384,
                     tokenizer: o200k_base, price: {input: 0.15, output: 0.60}, tier: small}
                  - {id: sim-small-8k, provider: simulated, context_window: 8192, max_output_tokens: 4096,
                     tokenizer: o200k_base, price: {input: 0.10, output: 0.40}, tier: small}
                  - {id: sim-local, provider: simulated, context_window: 32768, max_output_tokens: 4096,
                     tokenizer: cl100k_base, price: {input: 0, output: 0}, tier: local}
                  - {id: sim-alias, provider: simulated, upstream_name: sim-large, context_window: 128000,
                     max_output_tokens: 16384, tokenizer: o200k_base, price: {input: 2.50, output: 10.00}, tier: large}
                  - {id: sim-unpriced, provider: simulated, context_window: 128000, max_output_tokens: 16384,
                     tokenizer: o200k_base, tier: small}
                tiers:
                  - name: %2$s-open
                    limits:
                      - {model: "*", rpm: 100000}
                  - name: %2$s-limited
                    limits:
                      - {model: "*", rpm: 50, tpm: 100000}
                  - name: %2$s-tiny
                    limits:
                      - {model: "*", rpm: 1}
                  - name: %2$s-one
                    limits:
                      - {model: sim-large, rpm: 1}
                      - {model: "*", rpm: 100000}
                keys:
                  - {id: %2$s-open, hash: %3$s, tenant: acme-it, team: %2$s-open-team, agent: a-open, tier: %2$s-open}
                  - {id: %2$s-limited, hash: %4$s, tenant: acme-it, team: %2$s-limited-team, agent: a-limited, tier: %2$s-limited}
                  - {id: %2$s-restricted, hash: %5$s, tenant: acme-it, team: %2$s-restricted-team, agent: a-restricted,
                     tier: %2$s-open, allowed_models: [sim-small]}
                  - {id: %2$s-one, hash: %6$s, tenant: acme-it, team: %2$s-one-team, agent: a-one, tier: %2$s-one}
                  - {id: %2$s-down, hash: %7$s, tenant: acme-it, team: %2$s-down-team, agent: a-down, tier: %2$s-open}
                  - {id: %2$s-tiny, hash: %8$s, tenant: acme-it, team: %2$s-tiny-team, agent: a-tiny, tier: %2$s-tiny}
                routing:
                  fallback_chains:
                    sim-large: [sim-medium, sim-small]
                  local_fallback: sim-local
                  complexity_tiers:
                    - {tier: small, max_score: 0.35}
                    - {tier: medium, max_score: 0.70}
                    - {tier: large, max_score: 1.0}
                  auto_wait: false
                  max_wait_seconds: 0
                """.formatted(providerUrl, p, sha256(secret(p + "-open")), sha256(secret(p + "-limited")),
                sha256(secret(p + "-restricted")), sha256(secret(p + "-one")), sha256(secret(p + "-down")),
                sha256(secret(p + "-tiny")));
    }

    String key(String kind) {
        return prefix + "-" + kind;
    }

    static String secret(String keyId) {
        return "tg-" + keyId;
    }

    String url(String path) {
        return "http://127.0.0.1:" + gateway.port() + path;
    }

    HttpResponse<String> post(String keyKind, String path, String body) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url(path))).header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + secret(key(keyKind)))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    HttpResponse<String> get(String keyKind, String path) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path))).GET();
        if (keyKind != null) {
            b.header("Authorization", "Bearer " + secret(key(keyKind)));
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A GET on the admin listener, with the admin token. */
    HttpResponse<String> admin(String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminPort() + path))
                .header("Authorization", "Bearer " + GatewayFixture.ADMIN_TOKEN).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static String chat(String model, String content, Integer maxTokens) {
        return "{\"model\":\"" + model + "\"" + (maxTokens == null ? "" : ",\"max_tokens\":" + maxTokens)
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + content + "\"}]}";
    }

    private static String sha256(String s) {
        try {
            return HEX.formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        gateway.close();
        provider.close();
    }
}
