package io.tollgate.gateway.admission;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.schemas.avro.ApiKeyPolicy;
import io.tollgate.schemas.avro.ModelLimit;
import io.tollgate.schemas.avro.Policy;
import io.tollgate.schemas.avro.TierPolicy;
import io.tollgate.schemas.policy.TollgateConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LimitResolverTest {

    private final LimitResolver resolver = new LimitResolver();

    @Test
    void shouldUseSeedTierWhenTierHasNoPolicy() {
        EffectiveLimits limits = resolver.limitsFor("k-1", "tier1", "gpt-4o-mini");

        assertThat(limits.acrossModels()).isEqualTo(new RateLimits(500L, 200_000L, 10_000L, null));
        assertThat(limits.perModel()).isEqualTo(RateLimits.NONE);
    }

    @Test
    void shouldUseFreeTierWhenTierIsUnknown() {
        assertThat(resolver.limitsFor("k-1", "platinum", "m").acrossModels())
                .isEqualTo(LimitResolver.SEED_TIERS.get("free").get("*"));
    }

    @Test
    void shouldApplyTierPolicyPerModelAndAcrossModelsWhenPolicyArrives() {
        resolver.apply("tier:gold", tierPolicy("gold", limit("*", 100L, 1000L, null), limit("big", 10L, null, 50L)));

        EffectiveLimits big = resolver.limitsFor("k-1", "gold", "big");
        EffectiveLimits small = resolver.limitsFor("k-1", "gold", "small");

        assertThat(big.perModel()).isEqualTo(new RateLimits(10L, null, 50L, null));
        assertThat(big.acrossModels()).isEqualTo(new RateLimits(100L, 1000L, null, null));
        assertThat(small.perModel()).isEqualTo(RateLimits.NONE);
    }

    @Test
    void shouldOverrideTierFieldByFieldWhenKeyHasOverrides() {
        // Given the free tier (rpm 200, tpm 40000, rpd 500) and a key lowering rpm on one model and across models
        resolver.apply("key:k-triage", keyPolicy("k-triage", "free",
                limit("sim-large", 20L, null, null), limit("*", 100L, null, null)));

        EffectiveLimits limits = resolver.limitsFor("k-triage", "tier2", "sim-large");

        // Then the key's own tier wins over the caller's, and fields not overridden stay
        assertThat(limits.perModel()).isEqualTo(new RateLimits(20L, null, null, null));
        assertThat(limits.acrossModels()).isEqualTo(new RateLimits(100L, 40_000L, 500L, null));
    }

    @Test
    void shouldForgetTierWhenTombstoneArrives() {
        resolver.apply("tier:free", tierPolicy("free", limit("*", 1L, null, null)));
        assertThat(resolver.limitsFor("k", "free", "m").acrossModels().requestsPerMinute()).isEqualTo(1L);

        resolver.apply("tier:free", null);

        assertThat(resolver.limitsFor("k", "free", "m").acrossModels().requestsPerMinute()).isEqualTo(200L);
    }

    @Test
    void shouldReadTiersAndKeysWhenBuiltFromPolicyFile() {
        TollgateConfig config = new TollgateConfig(new TollgateConfig.Organisation("UTC", 0, 80), List.of(),
                List.of(), List.of(),
                List.of(new TollgateConfig.Tier("free", List.of(new TollgateConfig.Limit("*", 200L, 40_000L, 500L, null)))),
                List.of(new TollgateConfig.ApiKey("k-triage", "h", "acme", "support", "triage", "free", List.of(),
                        List.of(new TollgateConfig.Limit("sim-large", 20L, null, null, null)), false)),
                List.of(), new TollgateConfig.Routing(Map.of(), null, List.of(), true, 10));

        LimitResolver fromFile = LimitResolver.fromConfig(config);

        EffectiveLimits limits = fromFile.limitsFor("k-triage", null, "sim-large");
        assertThat(limits.perModel().requestsPerMinute()).isEqualTo(20L);
        assertThat(limits.acrossModels().requestsPerDay()).isEqualTo(500L);
    }

    private static ModelLimit limit(String model, Long rpm, Long tpm, Long rpd) {
        return ModelLimit.newBuilder().setModel(model).setRequestsPerMinute(rpm).setTokensPerMinute(tpm)
                .setRequestsPerDay(rpd).build();
    }

    private static Policy tierPolicy(String name, ModelLimit... limits) {
        return Policy.newBuilder().setPolicy(TierPolicy.newBuilder().setName(name).setLimits(List.of(limits)).build())
                .build();
    }

    private static Policy keyPolicy(String keyId, String tier, ModelLimit... overrides) {
        return Policy.newBuilder().setPolicy(ApiKeyPolicy.newBuilder().setKeyId(keyId).setKeyHash("00").setTenant("acme")
                .setTeam("t").setAgent("a").setTier(tier).setLimitOverrides(List.of(overrides)).build()).build();
    }
}
