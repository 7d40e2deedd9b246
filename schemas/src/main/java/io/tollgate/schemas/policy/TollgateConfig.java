package io.tollgate.schemas.policy;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The typed form of {@code tollgate.yaml}: what a person edits. Parsed by {@link PolicyFileParser};
 * every section becomes Avro policy records through {@code io.tollgate.policy.records.PolicyRecords} (module
 * policy); providers' API keys stay here and reach the records only as a digest. Money in the file is written in
 * US dollars (decimal) and held here in integer micro-dollars.
 */
public record TollgateConfig(
        Organisation organisation,
        List<Tenant> tenants,
        List<Provider> providers,
        List<Model> models,
        List<Tier> tiers,
        List<ApiKey> keys,
        List<Budget> budgets,
        Routing routing) {

    public TollgateConfig {
        tenants = List.copyOf(tenants);
        providers = List.copyOf(providers);
        models = List.copyOf(models);
        tiers = List.copyOf(tiers);
        keys = List.copyOf(keys);
        budgets = List.copyOf(budgets);
    }

    /** Organisation-wide defaults: the zone and hour at which days (quotas, budgets) start. */
    public record Organisation(String zone, int resetHour, int quotaWarningPercent) {
    }

    /** A tenant's override of the organisation's zone and reset hour (either may be null). */
    public record Tenant(String name, String zone, Integer resetHour) {
    }

    /**
     * An OpenAI-compatible upstream. {@code apiKeys} are the provider's secrets, resolved from
     * {@code ${ENV}} references at parse time and used round-robin; never logged or published.
     */
    public record Provider(String name, String baseUrl, List<String> apiKeys, long connectTimeoutMs,
                           long requestTimeoutMs, String discovery) {
        public Provider {
            apiKeys = List.copyOf(apiKeys);
        }

        @Override
        public String toString() {
            return "Provider[name=" + name + ", baseUrl=" + baseUrl + ", apiKeys=" + apiKeys.size() + " (hidden)]";
        }
    }

    /**
     * A model the organisation uses. Null numeric fields mean "not set here": the gateway's
     * catalog resolves them from other sources. Prices are micro-dollars per million tokens.
     */
    public record Model(String id, String provider, String upstreamName, Integer contextWindow,
                        Integer maxOutputTokens, String tokenizer, Long inputPriceMicrosPerMillion,
                        Long outputPriceMicrosPerMillion, Long cachedInputPriceMicrosPerMillion, String tier) {
    }

    /** Limits of one model within a tier or key override; null = unlimited. {@code model} "*" = all models. */
    public record Limit(String model, Long requestsPerMinute, Long tokensPerMinute, Long requestsPerDay,
                        Long tokensPerDay) {
    }

    public record Tier(String name, List<Limit> limits) {
        public Tier {
            limits = List.copyOf(limits);
        }
    }

    /** An API key: {@code keyHash} is the lower-case hex SHA-256 of the secret, never the secret. */
    public record ApiKey(String id, String keyHash, String tenant, String team, String agent, String tier,
                         List<String> allowedModels, List<Limit> limits, boolean revoked) {
        public ApiKey {
            allowedModels = List.copyOf(allowedModels);
            limits = List.copyOf(limits);
        }
    }

    /** Scope types: tenant, team, agent, api_key, conversation. Periods: day, month, lifetime. */
    public record Budget(String scopeType, String scopeId, String period, String zone, long limitMicros,
                         Long hardLimitMicros, List<Integer> thresholdsPercent, String action, String downgradeTo) {
        public Budget {
            thresholdsPercent = List.copyOf(thresholdsPercent);
        }
    }

    /**
     * Routing: fallback chains per model, the local model used when a provider's circuit opens,
     * complexity tiers for {@code model: auto}, and the auto-wait settings.
     */
    public record Routing(Map<String, List<String>> fallbackChains, String localFallback,
                          List<ComplexityTier> complexityTiers, boolean autoWait, double maxWaitSeconds) {
        public Routing {
            fallbackChains = Map.copyOf(fallbackChains);
            complexityTiers = List.copyOf(complexityTiers);
        }
    }

    /** Prompts scoring at most {@code maxScore} (0..1) are served by models of {@code tier}. */
    public record ComplexityTier(String tier, double maxScore) {
    }

    public Optional<Model> model(String id) {
        return models.stream().filter(m -> m.id().equals(id)).findFirst();
    }

    public Optional<Tier> tier(String name) {
        return tiers.stream().filter(t -> t.name().equals(name)).findFirst();
    }
}
