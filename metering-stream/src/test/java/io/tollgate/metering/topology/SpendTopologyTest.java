package io.tollgate.metering.topology;

import static io.tollgate.metering.topology.TopologyFixture.request;
import static io.tollgate.metering.topology.TopologyFixture.response;
import static org.assertj.core.api.Assertions.assertThat;

import io.tollgate.schemas.avro.PeriodType;
import io.tollgate.schemas.avro.ScopeType;
import io.tollgate.schemas.avro.SpendTotal;
import io.tollgate.schemas.avro.UsageEvent;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SpendTopologyTest {

    private static final Instant T0 = Instant.parse("2026-11-21T10:00:00Z");

    @Test
    void shouldHoldReservationInFlightUntilResponseSettlesIt() {
        try (TopologyFixture fx = new TopologyFixture()) {
            // Given a reservation of 5000 micro-dollars
            UsageEvent req = UsageEvent.newBuilder(request("c1", "k1", "gpt-4o", T0, 1000, 5000))
                    .setConversationId("conv-9").build();
            fx.send(req);
            Map<String, SpendTotal> open = TopologyFixture.latest(fx.spend);

            // Then every scope shows it as cost and in flight
            assertThat(open).containsOnlyKeys("tenant:acme@2026-11-21", "tenant:acme@2026-11", "team:search@2026-11-21",
                    "team:search@2026-11", "agent:crawler@2026-11-21", "agent:crawler@2026-11", "api_key:k1@2026-11-21",
                    "api_key:k1@2026-11", "conversation:conv-9@2026-11-21", "conversation:conv-9@2026-11",
                    "conversation:conv-9@lifetime");
            assertThat(open.get("team:search@2026-11-21").getCostMicros()).isEqualTo(5000);
            assertThat(open.get("team:search@2026-11-21").getInFlightMicros()).isEqualTo(5000);

            // When the response settles at 3200
            fx.send(response(req, T0.plusSeconds(3), 800, 3200));
            Map<String, SpendTotal> settled = TopologyFixture.latest(fx.spend);

            // Then cost is the actual, nothing is in flight, and the maps agree
            SpendTotal team = settled.get("team:search@2026-11-21");
            assertThat(team.getCostMicros()).isEqualTo(3200);
            assertThat(team.getInFlightMicros()).isZero();
            assertThat(team.getRequests()).isEqualTo(1);
            assertThat(team.getPromptTokens() + team.getCompletionTokens()).isEqualTo(800);
            assertThat(team.getCostByModel()).containsEntry("gpt-4o", 3200L);
            assertThat(team.getCostByAgent()).containsEntry("crawler", 3200L);
            SpendTotal lifetime = settled.get("conversation:conv-9@lifetime");
            assertThat(lifetime.getPeriod()).isEqualTo(PeriodType.LIFETIME);
            assertThat(lifetime.getPeriodEndMillis()).isEqualTo(Long.MAX_VALUE);
            assertThat(lifetime.getCostMicros()).isEqualTo(3200);
            assertThat(settled.get("api_key:k1@2026-11").getScopeType()).isEqualTo(ScopeType.API_KEY);
        }
    }

    @Test
    void shouldAddUpCallsAcrossModelsAndAgentsWhenScopeIsShared() {
        try (TopologyFixture fx = new TopologyFixture()) {
            UsageEvent a = request("c1", "k1", "gpt-4o", T0, 10, 1000);
            UsageEvent b = UsageEvent.newBuilder(request("c2", "k2", "claude", T0.plusSeconds(1), 10, 700))
                    .setAgent("writer").build();
            fx.send(a);
            fx.send(b);
            fx.send(response(a, T0.plusSeconds(2), 10, 1200)); // costlier than reserved: +200

            SpendTotal tenant = TopologyFixture.latest(fx.spend).get("tenant:acme@2026-11-21");
            assertThat(tenant.getCostMicros()).isEqualTo(1900);
            assertThat(tenant.getInFlightMicros()).isEqualTo(700);
            assertThat(tenant.getCostByModel()).containsExactlyInAnyOrderEntriesOf(Map.of("gpt-4o", 1200L, "claude", 700L));
            assertThat(tenant.getCostByAgent()).containsExactlyInAnyOrderEntriesOf(Map.of("crawler", 1200L, "writer", 700L));
        }
    }

    @Test
    void shouldUseZoneDayAndMonthWhenConfigured() {
        try (TopologyFixture fx = new TopologyFixture(ZoneId.of("Europe/Berlin"), 0, Duration.ofSeconds(10))) {
            // 2026-10-31T23:30Z is already November 1st in Berlin
            fx.send(request("c1", "k1", "m", Instant.parse("2026-10-31T23:30:00Z"), 1, 10));

            Map<String, SpendTotal> out = TopologyFixture.latest(fx.spend);
            assertThat(out).containsKeys("team:search@2026-11-01", "team:search@2026-11");
            assertThat(out.get("team:search@2026-11").getZone()).isEqualTo("Europe/Berlin");
            assertThat(Instant.ofEpochMilli(out.get("team:search@2026-11").getPeriodStartMillis()))
                    .isEqualTo(Instant.parse("2026-10-31T23:00:00Z"));
        }
    }
}
