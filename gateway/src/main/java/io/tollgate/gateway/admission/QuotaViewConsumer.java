package io.tollgate.gateway.admission;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.tollgate.policy.topic.CompactedView;
import io.tollgate.schemas.Topics;
import io.tollgate.schemas.avro.QuotaStatus;
import org.apache.kafka.common.serialization.Deserializer;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;

/**
 * Keeps a {@link QuotaView} up to date from {@code tollgate.quota-status.v1}: every partition from
 * the beginning, on a daemon thread. Meters: {@value #STALENESS_GAUGE} (seconds since the newest
 * {@code updatedAt} applied; NaN before the first record) and {@value #RECORDS_COUNTER}
 * ({@code outcome=applied|rejected}).
 */
public final class QuotaViewConsumer implements AutoCloseable {

    public static final String STALENESS_GAUGE = "tollgate.gateway.quota.view.staleness";
    public static final String RECORDS_COUNTER = "tollgate.gateway.quota.view.records";

    private final CompactedView consumer;

    /**
     * @param kafkaConfig consumer settings; needs {@code bootstrap.servers}
     * @param topics      serdes of the schema registry in use
     * @param view        the view to fill
     * @param registry    where the staleness gauge goes
     * @param clock       wall clock for the staleness
     * @param refusals    what happens to a record that cannot be read (the gateway dead-letters it)
     */
    public QuotaViewConsumer(Map<String, Object> kafkaConfig, Topics topics, QuotaView view, MeterRegistry registry,
                             Clock clock, CompactedView.Refusals refusals) {
        Deserializer<QuotaStatus> values = topics.quotaStatus().valueSerde().deserializer();
        this.consumer = new CompactedView("gateway-quota-view", kafkaConfig, Topics.QUOTA_STATUS,
                r -> view.apply(r.key(), r.value() == null ? null : values.deserialize(r.topic(), r.value())),
                refusals);
        Gauge.builder(STALENESS_GAUGE, view, v -> {
                    long millis = v.stalenessMillis(clock.millis());
                    return millis == Long.MAX_VALUE ? Double.NaN : millis / 1000.0;
                })
                .baseUnit("seconds")
                .description("Time since the newest quota status the gateway has applied")
                .register(registry);
        FunctionCounter.builder(RECORDS_COUNTER, consumer, CompactedView::applied)
                .tag("outcome", "applied").register(registry);
        FunctionCounter.builder(RECORDS_COUNTER, consumer, CompactedView::refused)
                .tag("outcome", "rejected").register(registry);
    }

    public QuotaViewConsumer start() {
        consumer.start();
        return this;
    }

    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return consumer.awaitCaughtUp(timeout);
    }

    public long applied() {
        return consumer.applied();
    }

    public long rejected() {
        return consumer.refused();
    }

    @Override
    public void close() {
        consumer.close();
    }
}
