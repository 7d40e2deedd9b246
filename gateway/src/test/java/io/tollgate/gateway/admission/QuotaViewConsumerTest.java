package io.tollgate.gateway.admission;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tollgate.policy.topic.CompactedView;
import io.tollgate.schemas.Topics;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

class QuotaViewConsumerTest {

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final QuotaView view = new QuotaView();
    private final Clock clock = Clock.fixed(Instant.ofEpochMilli(10_000), ZoneOffset.UTC);

    @Test
    void shouldReportStalenessInSecondsWhenRecordsApplied() {
        try (QuotaViewConsumer ignored = new QuotaViewConsumer(Map.of("bootstrap.servers", "127.0.0.1:1"),
                Topics.forRegistry("mock://quota-view-consumer-test"), view, registry, clock,
                CompactedView.Refusals.LOG_ONLY)) {
            assertThat(registry.get(QuotaViewConsumer.STALENESS_GAUGE).gauge().value()).isNaN();

            QuotaStatuses.of("k", "m").updatedAt(7_500).applyTo(view);

            assertThat(registry.get(QuotaViewConsumer.STALENESS_GAUGE).gauge().value()).isEqualTo(2.5);
        }
    }

    @Test
    void shouldRefuseSettingsWhenBootstrapServersMissing() {
        assertThatThrownBy(() -> new QuotaViewConsumer(Map.of(), Topics.forRegistry("mock://x"), view, registry, clock,
                CompactedView.Refusals.LOG_ONLY))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("bootstrap.servers");
    }
}
