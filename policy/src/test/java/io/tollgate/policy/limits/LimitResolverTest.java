package io.tollgate.policy.limits;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.policy.records.PolicySnapshot;
import io.tollgate.schemas.avro.ApiKeyPolicy;
import io.tollgate.schemas.avro.ModelLimit;
import io.tollgate.schemas.avro.Policy;
import io.tollgate.schemas.avro.TierPolicy;
import java.util.List;
import org.junit.jupiter.api.Test;

class LimitResolverTest {

    private final PolicySnapshot policies = new PolicySnapshot();
    private final LimitResolver resolver = new LimitResolver(policies);

    @Test
    void shouldUseSeedTierWhenTierHasNoPolicy() {
        policies.apply("key:k-1", key("k-1", "tier1"));

        EffectiveLimits limits = resolver.limitsFor("k-1", "gpt-4o-mini");

        assertThat(limits.acrossModels()).isEqualTo(new RateLimits(500L, 200_000L, 10_000L, null));
        assertThat(limits.perModel()).isEqualTo(RateLimits.NONE);
    }

    @Test
    void shouldUseFreeTierWhenTierIsUnknown() {
        policies.apply("key:k-1", key("k-1", "platinum"));

        assertThat(resolver.limitsFor("k-1", "m").acrossModels()).isEqualTo(LimitResolver.SEED_TIERS.get("free").get("*"));
    }

    @Test
    void shouldHaveNoLimitsWhenTheKeyHasNoPolicy() {
        assertThat(resolver.limitsFor("k-unknown", "m")).isEqualTo(EffectiveLimits.NONE);
    }

    @Test
    void shouldApplyTierPolicyPerModelAndAcrossModelsWhenPolicyArrives() {
        policies.apply("key:k-1", key("k-1", "gold"));
        policies.apply("tier:gold", tier("gold", limit("*", 100L, 1000L, null, null), limit("big", 10L, null, 50L, 7L)));

        EffectiveLimits big = resolver.limitsFor("k-1", "big");
        EffectiveLimits small = resolver.limitsFor("k-1", "small");

        assertThat(big.perModel()).isEqualTo(new RateLimits(10L, null, 50L, 7L));
        assertThat(big.acrossModels()).isEqualTo(new RateLimits(100L, 1000L, null, null));
        assertThat(small.perModel()).isEqualTo(RateLimits.NONE);
        assertThat(resolver.limit("k-1", "big", LimitKind.TPD)).isEqualTo(7L);
        assertThat(resolver.limit("k-1", "*", LimitKind.RPM)).isEqualTo(100L);
    }

    @Test
    void shouldOverrideTierFieldByFieldWhenKeyHasOverrides() {
        // Given the free seed tier (rpm 200, tpm 40000, rpd 500) and a key lowering rpm on one model and across models
        policies.apply("key:k-triage", key("k-triage", "free", limit("sim-large", 20L, null, null, null),
                limit("*", 100L, null, null, null)));

        EffectiveLimits limits = resolver.limitsFor("k-triage", "sim-large");

        assertThat(limits.perModel()).isEqualTo(new RateLimits(20L, null, null, null));
        assertThat(limits.acrossModels()).isEqualTo(new RateLimits(100L, 40_000L, 500L, null));
    }

    @Test
    void shouldFollowChangesWhenCachedAnswersExist() {
        policies.apply("key:k", key("k", "free"));
        policies.apply("tier:free", tier("free", limit("*", 1L, null, null, null)));
        assertThat(resolver.limitsFor("k", "m").acrossModels().requestsPerMinute()).isEqualTo(1L);

        policies.apply("tier:free", null);

        assertThat(resolver.limitsFor("k", "m").acrossModels().requestsPerMinute()).isEqualTo(200L);
    }

    private static ModelLimit limit(String model, Long rpm, Long tpm, Long rpd, Long tpd) {
        return ModelLimit.newBuilder().setModel(model).setRequestsPerMinute(rpm).setTokensPerMinute(tpm)
                .setRequestsPerDay(rpd).setTokensPerDay(tpd).build();
    }

    private static Policy tier(String name, ModelLimit... limits) {
        return Policy.newBuilder().setPolicy(TierPolicy.newBuilder().setName(name).setLimits(List.of(limits)).build()).build();
    }

    private static Policy key(String id, String tier, ModelLimit... overrides) {
        return Policy.newBuilder().setPolicy(ApiKeyPolicy.newBuilder().setKeyId(id).setKeyHash("0".repeat(64))
                .setTenant("t").setTeam("team").setAgent("a").setTier(tier).setLimitOverrides(List.of(overrides)).build())
                .build();
    }
}
