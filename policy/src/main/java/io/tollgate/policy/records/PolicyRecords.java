package io.tollgate.policy.records;

import io.tollgate.policy.scope.Keys;
import io.tollgate.schemas.avro.ApiKeyPolicy;
import io.tollgate.schemas.avro.BudgetAction;
import io.tollgate.schemas.avro.BudgetPolicy;
import io.tollgate.schemas.avro.ComplexityTierPolicy;
import io.tollgate.schemas.avro.ModelLimit;
import io.tollgate.schemas.avro.ModelPolicy;
import io.tollgate.schemas.avro.OrgSettings;
import io.tollgate.schemas.avro.PeriodType;
import io.tollgate.schemas.avro.Policy;
import io.tollgate.schemas.avro.ProviderPolicy;
import io.tollgate.schemas.avro.RoutingPolicy;
import io.tollgate.schemas.avro.ScopeType;
import io.tollgate.schemas.avro.TenantPolicy;
import io.tollgate.schemas.avro.TierPolicy;
import io.tollgate.schemas.policy.TollgateConfig;
import io.tollgate.schemas.policy.TollgateConfig.ApiKey;
import io.tollgate.schemas.policy.TollgateConfig.Budget;
import io.tollgate.schemas.policy.TollgateConfig.Limit;
import io.tollgate.schemas.policy.TollgateConfig.Model;
import io.tollgate.schemas.policy.TollgateConfig.Provider;
import io.tollgate.schemas.policy.TollgateConfig.Routing;
import io.tollgate.schemas.policy.TollgateConfig.Organisation;
import io.tollgate.schemas.policy.TollgateConfig.Tenant;
import io.tollgate.schemas.policy.TollgateConfig.Tier;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns the policy parts of a {@link TollgateConfig} into the Avro records of
 * {@code tollgate.policies.v1}, and spells their record keys:
 * {@code org:settings}, {@code tenant:<name>}, {@code tier:<name>}, {@code key:<id>},
 * {@code budget:<scope>:<id>@<PERIOD>} (e.g. {@code budget:team:research@DAY}), {@code model:<id>},
 * {@code routing:settings}, {@code provider:<name>}. A provider record carries no secret, only a digest of
 * its API keys: gateways keep their providers' secrets in their own configuration.
 */
public final class PolicyRecords {

    public static final String ORG_SETTINGS_KEY = "org:settings";
    public static final String KEY_PREFIX = "key:";
    public static final String TIER_PREFIX = "tier:";
    public static final String BUDGET_PREFIX = "budget:";
    public static final String TENANT_PREFIX = "tenant:";
    public static final String MODEL_PREFIX = "model:";
    public static final String PROVIDER_PREFIX = "provider:";
    public static final String ROUTING_KEY = "routing:settings";
    /** The conversation id of a budget that applies to each conversation without a budget of its own. */
    public static final String ANY_CONVERSATION = "*";

    private PolicyRecords() {
    }

    /** The policy records of {@code config}, stamped with the current time. */
    public static Map<String, Policy> toPolicies(TollgateConfig config, String source) {
        return toPolicies(config, source, System.currentTimeMillis());
    }

    /**
     * The policy records of {@code config} keyed by record key, in a fixed order that puts what
     * others refer to first: organisation settings, tenants, providers, models, tiers, keys, budgets,
     * routing (each in file order).
     */
    public static Map<String, Policy> toPolicies(TollgateConfig config, String source, long updatedAtMillis) {
        Map<String, Policy> policies = new LinkedHashMap<>();
        OrgSettings org = orgSettings(config.organisation());
        policies.put(ORG_SETTINGS_KEY, wrap(org, source, updatedAtMillis));
        for (Tenant tenant : config.tenants()) {
            policies.put(tenantKey(tenant.name()), wrap(tenantPolicy(tenant), source, updatedAtMillis));
        }
        for (Provider provider : config.providers()) {
            policies.put(providerKey(provider.name()), wrap(providerPolicy(provider), source, updatedAtMillis));
        }
        for (Model model : config.models()) {
            policies.put(modelKey(model.id()), wrap(modelPolicy(model), source, updatedAtMillis));
        }
        for (Tier tier : config.tiers()) {
            policies.put(tierKey(tier.name()), wrap(tierPolicy(tier), source, updatedAtMillis));
        }
        for (ApiKey key : config.keys()) {
            policies.put(apiKeyKey(key.id()), wrap(apiKeyPolicy(key), source, updatedAtMillis));
        }
        for (Budget budget : config.budgets()) {
            BudgetPolicy policy = budgetPolicy(budget);
            policies.put(keyOf(policy), wrap(policy, source, updatedAtMillis));
        }
        policies.put(ROUTING_KEY, wrap(routingPolicy(config.routing()), source, updatedAtMillis));
        return policies;
    }

    /** True when {@code key} has the shape of a policy record key (its kind known, its name non-empty). */
    public static boolean isPolicyKey(String key) {
        if (key == null) {
            return false;
        }
        if (key.equals(ORG_SETTINGS_KEY)) {
            return true;
        }
        if (key.equals(ROUTING_KEY)) {
            return true;
        }
        for (String prefix : List.of(KEY_PREFIX, TIER_PREFIX, BUDGET_PREFIX, TENANT_PREFIX, MODEL_PREFIX, PROVIDER_PREFIX)) {
            if (key.startsWith(prefix) && key.length() > prefix.length()) {
                return true;
            }
        }
        return false;
    }

    public static String apiKeyKey(String keyId) {
        return KEY_PREFIX + keyId;
    }

    public static String modelKey(String id) {
        return MODEL_PREFIX + id;
    }

    public static String providerKey(String name) {
        return PROVIDER_PREFIX + name;
    }

    public static String tierKey(String tier) {
        return TIER_PREFIX + tier;
    }

    public static String tenantKey(String tenant) {
        return TENANT_PREFIX + tenant;
    }

    public static String budgetKey(ScopeType scope, String scopeId, PeriodType period) {
        return BUDGET_PREFIX + Keys.scope(scope, scopeId) + '@' + period.name();
    }

    /** The record key a policy belongs under; a record on the topic under any other key is invalid. */
    public static String keyOf(Policy policy) {
        return keyOf(policy.getPolicy());
    }

    /** The record key of one policy variant (ApiKeyPolicy, TierPolicy, BudgetPolicy, TenantPolicy, OrgSettings). */
    public static String keyOf(Object variant) {
        return switch (variant) {
            case ApiKeyPolicy key -> apiKeyKey(key.getKeyId());
            case TierPolicy tier -> tierKey(tier.getName());
            case BudgetPolicy budget -> budgetKey(budget.getScopeType(), budget.getScopeId(), budget.getPeriod());
            case TenantPolicy tenant -> tenantKey(tenant.getTenant());
            case OrgSettings ignored -> ORG_SETTINGS_KEY;
            case ModelPolicy model -> modelKey(model.getId());
            case ProviderPolicy provider -> providerKey(provider.getName());
            case RoutingPolicy ignored -> ROUTING_KEY;
            case null -> throw new IllegalArgumentException("policy record has no policy");
            default -> throw new IllegalArgumentException("not a policy variant: " + variant.getClass().getName());
        };
    }

    public static OrgSettings orgSettings(Organisation organisation) {
        return OrgSettings.newBuilder()
                .setZone(organisation.zone())
                .setResetHour(organisation.resetHour())
                .setQuotaWarningPercent(organisation.quotaWarningPercent())
                .build();
    }

    public static TenantPolicy tenantPolicy(Tenant tenant) {
        return TenantPolicy.newBuilder()
                .setTenant(tenant.name())
                .setZone(tenant.zone())
                .setResetHour(tenant.resetHour())
                .build();
    }

    public static TierPolicy tierPolicy(Tier tier) {
        return TierPolicy.newBuilder().setName(tier.name()).setLimits(modelLimits(tier.limits())).build();
    }

    public static ApiKeyPolicy apiKeyPolicy(ApiKey key) {
        return ApiKeyPolicy.newBuilder()
                .setKeyId(key.id())
                .setKeyHash(key.keyHash())
                .setTenant(key.tenant())
                .setTeam(key.team())
                .setAgent(key.agent())
                .setTier(key.tier())
                .setAllowedModels(List.copyOf(key.allowedModels()))
                .setLimitOverrides(modelLimits(key.limits()))
                .setRevoked(key.revoked())
                .build();
    }

    public static BudgetPolicy budgetPolicy(Budget budget) {
        return BudgetPolicy.newBuilder()
                .setScopeType(ScopeType.valueOf(budget.scopeType().toUpperCase(Locale.ROOT)))
                .setScopeId(budget.scopeId())
                .setPeriod(PeriodType.valueOf(budget.period().toUpperCase(Locale.ROOT)))
                .setZone(budget.zone())
                .setLimitMicros(budget.limitMicros())
                .setHardLimitMicros(budget.hardLimitMicros())
                .setThresholdsPercent(List.copyOf(budget.thresholdsPercent()))
                .setAction(BudgetAction.valueOf(budget.action().toUpperCase(Locale.ROOT)))
                .setDowngradeTo(budget.downgradeTo())
                .build();
    }

    public static ModelPolicy modelPolicy(Model model) {
        return ModelPolicy.newBuilder()
                .setId(model.id())
                .setProvider(model.provider())
                .setUpstreamName(model.upstreamName())
                .setContextWindow(model.contextWindow())
                .setMaxOutputTokens(model.maxOutputTokens())
                .setTokenizer(model.tokenizer())
                .setInputPriceMicrosPerMillion(model.inputPriceMicrosPerMillion())
                .setOutputPriceMicrosPerMillion(model.outputPriceMicrosPerMillion())
                .setCachedInputPriceMicrosPerMillion(model.cachedInputPriceMicrosPerMillion())
                .setTier(model.tier())
                .build();
    }

    /** The provider without its secrets: the API keys only as one SHA-256 digest. */
    public static ProviderPolicy providerPolicy(Provider provider) {
        return ProviderPolicy.newBuilder()
                .setName(provider.name())
                .setBaseUrl(provider.baseUrl())
                .setConnectTimeoutMs(provider.connectTimeoutMs())
                .setRequestTimeoutMs(provider.requestTimeoutMs())
                .setDiscovery(provider.discovery() == null ? "none" : provider.discovery())
                .setApiKeysSha256(digest(provider.apiKeys()))
                .build();
    }

    public static RoutingPolicy routingPolicy(Routing routing) {
        return RoutingPolicy.newBuilder()
                .setFallbackChains(new LinkedHashMap<>(routing.fallbackChains()))
                .setLocalFallback(routing.localFallback())
                .setComplexityTiers(routing.complexityTiers().stream().map(t -> ComplexityTierPolicy.newBuilder()
                        .setTier(t.tier()).setMaxScore(t.maxScore()).build()).toList())
                .setAutoWait(routing.autoWait())
                .setMaxWaitSeconds(routing.maxWaitSeconds())
                .build();
    }

    /** The routing section a routing record describes (the gateway's router reads this). */
    public static Routing routing(RoutingPolicy policy) {
        return new Routing(Map.copyOf(policy.getFallbackChains()), policy.getLocalFallback(),
                policy.getComplexityTiers().stream()
                        .map(t -> new TollgateConfig.ComplexityTier(t.getTier(), t.getMaxScore())).toList(),
                policy.getAutoWait(), policy.getMaxWaitSeconds());
    }

    /** The model a model record describes (the gateway's catalog reads this). */
    public static Model model(ModelPolicy policy) {
        return new Model(policy.getId(), policy.getProvider(), policy.getUpstreamName(), policy.getContextWindow(),
                policy.getMaxOutputTokens(), policy.getTokenizer(), policy.getInputPriceMicrosPerMillion(),
                policy.getOutputPriceMicrosPerMillion(), policy.getCachedInputPriceMicrosPerMillion(), policy.getTier());
    }

    private static String digest(List<String> secrets) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String secret : secrets) {
                sha.update(secret.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
    }

    private static List<ModelLimit> modelLimits(List<Limit> limits) {
        return limits.stream().map(limit -> ModelLimit.newBuilder()
                .setModel(limit.model())
                .setRequestsPerMinute(limit.requestsPerMinute())
                .setTokensPerMinute(limit.tokensPerMinute())
                .setRequestsPerDay(limit.requestsPerDay())
                .setTokensPerDay(limit.tokensPerDay())
                .build()).toList();
    }

    private static Policy wrap(Object variant, String source, long updatedAtMillis) {
        return Policy.newBuilder().setPolicy(variant).setSource(source).setUpdatedAt(updatedAtMillis).build();
    }
}
