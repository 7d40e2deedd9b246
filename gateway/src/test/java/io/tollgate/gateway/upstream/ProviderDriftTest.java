package io.tollgate.gateway.upstream;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.policy.records.PolicyRecords;
import io.tollgate.policy.records.PolicySnapshot;
import io.tollgate.schemas.avro.Policy;
import io.tollgate.schemas.policy.TollgateConfig;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ProviderDriftTest {

    private static final TollgateConfig.Provider RUNNING = new TollgateConfig.Provider("openai", "https://api.openai.com/v1",
            List.of("sk-secret"), 2_000, 60_000, "none");

    private static void publish(PolicySnapshot policies, TollgateConfig.Provider provider) {
        policies.apply(PolicyRecords.providerKey(provider.name()),
                Policy.newBuilder().setPolicy(PolicyRecords.providerPolicy(provider)).build());
    }

    @Test
    void shouldNeedNoRestartWhenTheTopicDescribesTheRunningProvider() {
        PolicySnapshot policies = new PolicySnapshot();
        publish(policies, RUNNING);
        ProviderDrift drift = new ProviderDrift(List.of(RUNNING));

        drift.check(policies);

        assertThat(drift.describe()).containsEntry("openai", Map.of("restartNeeded", false));
    }

    @Test
    void shouldNameWhatDiffersWithoutTheSecretWhenTheTopicChangedAProvider() {
        PolicySnapshot policies = new PolicySnapshot();
        publish(policies, new TollgateConfig.Provider("openai", "https://proxy.example/v1", List.of("sk-rotated"), 2_000,
                60_000, "none"));
        publish(policies, new TollgateConfig.Provider("other", "https://other.example/v1", List.of(), 2_000, 60_000, "none"));
        ProviderDrift drift = new ProviderDrift(List.of(RUNNING));

        drift.check(policies);

        assertThat(drift.describe().get("openai").toString()).contains("restartNeeded=true", "base_url", "api_keys")
                .doesNotContain("sk-");
        assertThat(drift.describe().get("other").toString()).contains("not configured in this gateway");
    }
}
