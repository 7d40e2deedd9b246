package io.tollgate.gateway.call;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's Prometheus metrics: {@code tollgate_gateway_requests_total{status,model,provider}},
 * {@code tollgate_gateway_upstream_latency_seconds{provider,model}} and
 * {@code tollgate_gateway_overhead_seconds} (time in the gateway minus time upstream).
 */
public final class CallMetrics {

    private final MeterRegistry registry;
    private final Timer overhead;
    private final java.util.concurrent.ConcurrentMap<String, Counter> requests = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.ConcurrentMap<String, Timer> upstream = new java.util.concurrent.ConcurrentHashMap<>();

    public CallMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.overhead = Timer.builder("tollgate.gateway.overhead")
                .description("time spent in the gateway per call, excluding upstream time")
                .publishPercentiles(0.5, 0.99)
                .register(registry);
    }

    public void request(int status, String model, String provider) {
        String m = model == null ? "none" : model;
        String p = provider == null ? "none" : provider;
        // meters are looked up once per label set: building and registering one per call costs more than the call
        requests.computeIfAbsent(status + "|" + m + "|" + p, k -> Counter.builder("tollgate.gateway.requests")
                .tag("status", Integer.toString(status)).tag("model", m).tag("provider", p)
                .register(registry)).increment();
    }

    public void upstream(String provider, String model, long nanos) {
        upstream.computeIfAbsent(provider + "|" + model, k -> Timer.builder("tollgate.gateway.upstream.latency")
                .tag("provider", provider).tag("model", model)
                .register(registry)).record(nanos, TimeUnit.NANOSECONDS);
    }

    public void overhead(long nanos) {
        overhead.record(Math.max(0, nanos), TimeUnit.NANOSECONDS);
    }

    public MeterRegistry registry() {
        return registry;
    }
}
