package io.tollgate.gateway.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.policy.records.PolicyRecords;
import io.tollgate.policy.records.PolicySnapshot;
import io.tollgate.schemas.avro.Policy;
import io.tollgate.schemas.policy.TollgateConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LiveRoutingTest {

    private final PolicySnapshot policies = new PolicySnapshot();

    private void publish(TollgateConfig.Routing routing) {
        policies.apply(PolicyRecords.ROUTING_KEY, Policy.newBuilder().setPolicy(PolicyRecords.routingPolicy(routing)).build());
    }

    @Test
    void shouldRouteWithoutChainsOrWaitingWhenNoRoutingWasPublished() {
        LiveRouting routing = new LiveRouting(policies, Optional.empty());

        assertThat(routing.settings().fallbackChains()).isEmpty();
        assertThat(routing.autoWait()).isFalse();
    }

    @Test
    void shouldFollowTheRoutingRecordWhenRefreshed() {
        LiveRouting routing = new LiveRouting(policies, Optional.empty());

        publish(new TollgateConfig.Routing(Map.of("a", List.of("b")), "local", List.of(), true, 2.5));
        routing.refresh();

        assertThat(routing.settings().fallbackChains()).containsEntry("a", List.of("b"));
        assertThat(routing.settings().localFallback()).isEqualTo("local");
        assertThat(routing.autoWait()).isTrue();
        assertThat(routing.maxWait()).isEqualTo(Duration.ofMillis(2_500));
    }

    @Test
    void shouldKeepThePreviousSettingsWhenARecordCannotBeUsed() {
        publish(new TollgateConfig.Routing(Map.of("a", List.of("b")), null, List.of(), false, 1));
        LiveRouting routing = new LiveRouting(policies, Optional.empty());

        publish(new TollgateConfig.Routing(Map.of(), null, List.of(new TollgateConfig.ComplexityTier("large", 0.9),
                new TollgateConfig.ComplexityTier("small", 0.3)), false, 1));
        routing.refresh();

        assertThat(routing.settings().fallbackChains()).containsEntry("a", List.of("b"));
    }

    @Test
    void shouldLetTheVariableWinOverThePolicysLongestWait() {
        publish(new TollgateConfig.Routing(Map.of(), null, List.of(), true, 10));

        assertThat(new LiveRouting(policies, Optional.of(Duration.ofMillis(300))).maxWait()).isEqualTo(Duration.ofMillis(300));
    }
}
