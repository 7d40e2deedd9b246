package io.tollgate.gateway.resilience;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tollgate.gateway.admission.AdmissionDecision.Kind;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ControlStatsTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ControlStats stats = new ControlStats(registry);

    @Test
    void shouldCountPrimaryAndFallbackPerKeyAndModelWhenCallsAreServed() {
        stats.served("k-1", "sim-large", false);
        stats.served("k-1", "sim-large", false);
        stats.served("k-1", "sim-small", true);
        stats.served("k-2", "sim-small", false);

        ControlStats.Snapshot snapshot = stats.snapshot();

        assertThat(snapshot.byKey().get("k-1").primary()).isEqualTo(2);
        assertThat(snapshot.byKey().get("k-1").fallback()).isEqualTo(1);
        assertThat(snapshot.byKey().get("k-1").fallbackShare()).isEqualTo(1.0 / 3);
        assertThat(snapshot.byModel().get("sim-small").fallbackShare()).isEqualTo(0.5);
        assertThat(snapshot.total().primary()).isEqualTo(3);
        assertThat(registry.get(ControlStats.SERVED).tags("key", "k-1", "route", "primary").counter().count())
                .isEqualTo(2.0);
    }

    @Test
    void shouldCountWaitsCascadesAndRefusalsByReasonWhenReported() {
        stats.waited("k-1", "sim-large", 1_500);
        stats.waited("k-1", "sim-large", 500);
        stats.cascaded("k-1", "sim-large", "sim-medium", "rpm");
        stats.refused("k-1", "sim-large", Kind.RPD);
        stats.refused("k-1", "sim-medium", Kind.BLOCKED);
        stats.refused("k-1", "sim-medium", Kind.BLOCKED);

        ControlStats.Counts key = stats.snapshot().byKey().get("k-1");

        assertThat(key.waits()).isEqualTo(2);
        assertThat(key.waitedMillis()).isEqualTo(2_000);
        assertThat(key.cascades()).isEqualTo(1);
        assertThat(key.refusalsByReason()).isEqualTo(Map.of("rpd", 1L, "blocked", 2L));
        assertThat(registry.get(ControlStats.WAITS).timer().count()).isEqualTo(2);
        assertThat(registry.get(ControlStats.CASCADES).tags("from", "sim-large", "to", "sim-medium").counter().count())
                .isEqualTo(1.0);
        assertThat(registry.get(ControlStats.REFUSALS).tags("reason", "blocked").counter().count()).isEqualTo(2.0);
    }

    @Test
    void shouldCountBreakerTransitionsWhenListening() {
        stats.onTransition("simulated", "sim-large", RetryingCircuitGuard.State.CLOSED, RetryingCircuitGuard.State.OPEN, 1);

        assertThat(stats.snapshot().breakerTransitions()).containsEntry("simulated/sim-large CLOSED->OPEN", 1L);
        assertThat(registry.get(ControlStats.BREAKER).tags("to", "OPEN").counter().count()).isEqualTo(1.0);
    }

    @Test
    void shouldCountStaleViewRefusalsUnderTheirLabelWhenFailingClosed() {
        stats.refused("k-1", "sim-large", Kind.STALE_VIEW);

        assertThat(stats.snapshot().total().refusalsByReason()).isEqualTo(Map.of("stale_view", 1L));
        assertThat(registry.get(ControlStats.REFUSALS).tags("reason", "stale_view").counter().count()).isEqualTo(1.0);
    }

    @Test
    void shouldWriteSnapshotAsJsonWhenAskedByAdminEndpoint() throws Exception {
        stats.served("k-1", "sim-large", true);
        stats.refused("k-1", "sim-large", Kind.RPM);

        String json = new ObjectMapper().writeValueAsString(stats.snapshot());

        assertThat(json).contains("\"byKey\":{\"k-1\":{\"primary\":0,\"fallback\":1,\"fallbackShare\":1.0")
                .contains("\"refusalsByReason\":{\"rpm\":1}");
    }
}
