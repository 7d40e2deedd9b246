package io.tollgate.policy.records;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.schemas.Topics;
import io.tollgate.schemas.policy.PolicyFileParser;
import io.tollgate.schemas.policy.TollgateConfig;
import io.tollgate.schemas.avro.ApiKeyPolicy;
import io.tollgate.schemas.avro.BudgetAction;
import io.tollgate.schemas.avro.BudgetPolicy;
import io.tollgate.schemas.avro.ModelLimit;
import io.tollgate.schemas.avro.ModelPolicy;
import io.tollgate.schemas.avro.ProviderPolicy;
import io.tollgate.schemas.avro.RoutingPolicy;
import io.tollgate.schemas.avro.OrgSettings;
import io.tollgate.schemas.avro.PeriodType;
import io.tollgate.schemas.avro.Policy;
import io.tollgate.schemas.avro.ScopeType;
import io.tollgate.schemas.avro.TenantPolicy;
import io.tollgate.schemas.avro.TierPolicy;
import io.tollgate.schemas.registry.SchemaRegistries;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class PolicyRecordsTest {

    static final String SCOPE = "policy-records-test";

    static TollgateConfig example() {
        return PolicyFileParser.parse(Path.of("../tollgate.yaml"), name -> null);
    }

    @AfterEach
    void dropScope() {
        SchemaRegistries.dropScope(SCOPE);
    }

    @Test
    void shouldKeyEveryPolicyInDependencyOrderWhenConvertingTheExample() {
        // When
        Map<String, Policy> policies = PolicyRecords.toPolicies(example(), "tollgate.yaml", 42L);

        // Then: org, tenants, providers, models, tiers, keys, budgets, routing, each in file order
        assertThat(policies.keySet()).containsExactly(
                "org:settings", "tenant:acme", "provider:simulated",
                "model:sim-large", "model:sim-medium", "model:sim-small", "model:sim-local",
                "tier:free", "tier:tier1", "tier:tier2", "tier:paid",
                "key:k-planner", "key:k-researcher", "key:k-summarizer", "key:k-coder", "key:k-reviewer",
                "key:k-tester", "key:k-deployer", "key:k-support", "key:k-triage", "key:k-escalation",
                "budget:tenant:acme@MONTH", "budget:team:research@DAY", "budget:team:platform@DAY",
                "budget:team:support@DAY", "budget:agent:planner@DAY", "routing:settings");
        assertThat(policies.values()).allSatisfy(p -> {
            assertThat(p.getSource()).isEqualTo("tollgate.yaml");
            assertThat(p.getUpdatedAt()).isEqualTo(42L);
        });
        policies.forEach((key, policy) -> assertThat(PolicyRecords.keyOf(policy)).isEqualTo(key));
    }

    @Test
    void shouldCarryEveryFieldWhenConvertingKeysTiersBudgetsAndTenants() {
        Map<String, Policy> policies = PolicyRecords.toPolicies(example(), "f", 0L);

        assertThat(policies.get("org:settings").getPolicy()).isEqualTo(new OrgSettings("UTC", 0, 80));
        assertThat(policies.get("tenant:acme").getPolicy()).isEqualTo(new TenantPolicy("acme", "Europe/Berlin", 0));
        assertThat(policies.get("tier:free").getPolicy())
                .isEqualTo(new TierPolicy("free", List.of(new ModelLimit("*", 200L, 40_000L, 500L, null))));
        assertThat(policies.get("key:k-triage").getPolicy()).isEqualTo(new ApiKeyPolicy("k-triage",
                "de4ec35c995a81c07a8be04da225a0085a71c557b7cffff540443238190a133b", "acme", "support", "triage", "free",
                List.of(), List.of(new ModelLimit("sim-large", 20L, null, null, null)), false));
        assertThat(((ApiKeyPolicy) policies.get("key:k-deployer").getPolicy()).getAllowedModels())
                .containsExactly("sim-small", "sim-local");
        assertThat(policies.get("budget:team:platform@DAY").getPolicy()).isEqualTo(new BudgetPolicy(ScopeType.TEAM,
                "platform", PeriodType.DAY, null, 80_000L, 120_000L, List.of(50, 80, 100), BudgetAction.DOWNGRADE, "small"));
        assertThat(((BudgetPolicy) policies.get("budget:tenant:acme@MONTH").getPolicy()).getLimitMicros())
                .isEqualTo(100_000_000L);
    }

    @Test
    void shouldSpellKeysLikeTheTopicDocumentWhenAskedDirectly() {
        assertThat(PolicyRecords.budgetKey(ScopeType.API_KEY, "k-1", PeriodType.LIFETIME)).isEqualTo("budget:api_key:k-1@LIFETIME");
        assertThat(PolicyRecords.apiKeyKey("k-1")).isEqualTo("key:k-1");
        assertThat(PolicyRecords.tierKey("free")).isEqualTo("tier:free");
        assertThat(PolicyRecords.tenantKey("acme")).isEqualTo("tenant:acme");
    }

    @Test
    void shouldRoundTripEveryPolicyWhenSerializedThroughTheRegistry() {
        // Given
        Map<String, Policy> policies = PolicyRecords.toPolicies(example(), "tollgate.yaml", 7L);
        Serde<Policy> serde = Topics.forRegistry("mock://" + SCOPE).policies().valueSerde();

        // When / Then
        policies.forEach((key, policy) -> {
            byte[] bytes = serde.serializer().serialize(Topics.POLICIES, policy);
            assertThat(serde.deserializer().deserialize(Topics.POLICIES, bytes)).isEqualTo(policy);
        });
    }

    @Test
    void shouldPublishProvidersWithoutTheirSecretsWhenConvertingTheExample() {
        Map<String, Policy> policies = PolicyRecords.toPolicies(example(), "f", 0L);

        ProviderPolicy provider = (ProviderPolicy) policies.get("provider:simulated").getPolicy();
        assertThat(provider.getBaseUrl()).isEqualTo("http://127.0.0.1:18080/v1");
        assertThat(provider.toString()).doesNotContain("sim-key-1").doesNotContain("sim-key-2");
        assertThat(provider.getApiKeysSha256()).hasSize(64);
    }

    @Test
    void shouldRoundTripModelsAndRoutingWhenConvertedBackForTheGateway() {
        TollgateConfig config = example();
        Map<String, Policy> policies = PolicyRecords.toPolicies(config, "f", 0L);

        assertThat(PolicyRecords.model((ModelPolicy) policies.get("model:sim-large").getPolicy()))
                .isEqualTo(config.model("sim-large").orElseThrow());
        assertThat(PolicyRecords.routing((RoutingPolicy) policies.get("routing:settings").getPolicy()))
                .isEqualTo(config.routing());
    }
}
