package io.tollgate.gateway.resilience;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.tollgate.gateway.admission.AdmissionDecision;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What admission, routing and the breakers did, per API key and per model: calls served by the
 * primary choice or a fallback, waits, cascades, refusals by reason, breaker transitions. Kept as
 * Micrometer meters (for Prometheus) and as counts for {@code GET /admin/stats} ({@link #snapshot()},
 * a record tree Jackson writes as JSON).
 *
 * <p>Meters: {@value #SERVED} {@code {key, model, route=primary|fallback}}, {@value #WAITS}
 * {@code {key, model}} (a timer of the waited time), {@value #CASCADES} {@code {key, from, to, reason}},
 * {@value #REFUSALS} {@code {key, model, reason}}, {@value #BREAKER} {@code {provider, model, to}}.
 * Thread-safe.
 */
public final class ControlStats implements RetryingCircuitGuard.Listener {

    public static final String SERVED = "tollgate.gateway.served";
    public static final String WAITS = "tollgate.gateway.waits";
    public static final String CASCADES = "tollgate.gateway.cascades";
    public static final String REFUSALS = "tollgate.gateway.refusals";
    public static final String BREAKER = "tollgate.gateway.breaker.transitions";

    /** Counts of one key or one model. {@code fallbackShare} is fallback / (primary + fallback), 0 when none. */
    public record Counts(long primary, long fallback, double fallbackShare, long waits, long waitedMillis,
                         long cascades, Map<String, Long> refusalsByReason) {
    }

    /** Everything, for {@code GET /admin/stats}. */
    public record Snapshot(Counts total, Map<String, Counts> byKey, Map<String, Counts> byModel,
                           Map<String, Long> breakerTransitions) {
    }

    private static final class Tally {
        final LongAdder primary = new LongAdder();
        final LongAdder fallback = new LongAdder();
        final LongAdder waits = new LongAdder();
        final LongAdder waitedMillis = new LongAdder();
        final LongAdder cascades = new LongAdder();
        final ConcurrentHashMap<String, LongAdder> refusals = new ConcurrentHashMap<>();

        Counts counts() {
            long p = primary.sum();
            long f = fallback.sum();
            Map<String, Long> byReason = new TreeMap<>();
            refusals.forEach((reason, n) -> byReason.put(reason, n.sum()));
            return new Counts(p, f, p + f == 0 ? 0 : (double) f / (p + f), waits.sum(), waitedMillis.sum(),
                    cascades.sum(), byReason);
        }
    }

    private final MeterRegistry registry;
    private final Tally total = new Tally();
    private final ConcurrentHashMap<String, Tally> byKey = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Tally> byModel = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, LongAdder> transitions = new ConcurrentHashMap<>();
    /** Every answered call counts in one of these: registering the meter anew per call cost a tag sort and lookup. */
    private final ConcurrentHashMap<ServedKey, Counter> servedCounters = new ConcurrentHashMap<>();

    private record ServedKey(String keyId, String model, boolean fallback) {
    }

    public ControlStats(MeterRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    /** A call was served by {@code model}, the primary choice or a fallback. */
    public void served(String keyId, String model, boolean fallback) {
        for (Tally t : tallies(keyId, model)) {
            (fallback ? t.fallback : t.primary).increment();
        }
        servedCounters.computeIfAbsent(new ServedKey(keyId, model, fallback), k -> Counter.builder(SERVED)
                .tags("key", k.keyId(), "model", k.model(), "route", k.fallback() ? "fallback" : "primary")
                .register(registry)).increment();
    }

    /** The call waited {@code waitMillis} for {@code model}'s limit (auto-wait). */
    public void waited(String keyId, String model, long waitMillis) {
        for (Tally t : tallies(keyId, model)) {
            t.waits.increment();
            t.waitedMillis.add(waitMillis);
        }
        Timer.builder(WAITS).tags("key", keyId, "model", model).register(registry)
                .record(Duration.ofMillis(waitMillis));
    }

    /** The call left {@code fromModel} for {@code toModel}; {@code reason} e.g. {@code rpm}, {@code breaker_open}. */
    public void cascaded(String keyId, String fromModel, String toModel, String reason) {
        for (Tally t : tallies(keyId, fromModel)) {
            t.cascades.increment();
        }
        Counter.builder(CASCADES).tags("key", keyId, "from", fromModel, "to", toModel, "reason", reason)
                .register(registry).increment();
    }

    /** The call was refused because of {@code kind}; counted under its label (rpm, tpd, blocked, stale_view). */
    public void refused(String keyId, String model, AdmissionDecision.Kind kind) {
        String reason = kind.label();
        for (Tally t : tallies(keyId, model)) {
            t.refusals.computeIfAbsent(reason, r -> new LongAdder()).increment();
        }
        Counter.builder(REFUSALS).tags("key", keyId, "model", model, "reason", reason).register(registry).increment();
    }

    @Override
    public void onTransition(String provider, String model, RetryingCircuitGuard.State from,
                             RetryingCircuitGuard.State to, long nowMillis) {
        transitions.computeIfAbsent(provider + "/" + model + " " + from + "->" + to, k -> new LongAdder()).increment();
        Counter.builder(BREAKER).tags("provider", provider, "model", model, "to", to.name()).register(registry)
                .increment();
    }

    public Snapshot snapshot() {
        Map<String, Counts> keys = new TreeMap<>();
        byKey.forEach((k, t) -> keys.put(k, t.counts()));
        Map<String, Counts> models = new TreeMap<>();
        byModel.forEach((m, t) -> models.put(m, t.counts()));
        Map<String, Long> breaker = new TreeMap<>();
        transitions.forEach((k, n) -> breaker.put(k, n.sum()));
        return new Snapshot(total.counts(), keys, models, breaker);
    }

    private Tally[] tallies(String keyId, String model) {
        Objects.requireNonNull(keyId, "keyId");
        Objects.requireNonNull(model, "model");
        return new Tally[] {total, byKey.computeIfAbsent(keyId, k -> new Tally()),
                byModel.computeIfAbsent(model, m -> new Tally())};
    }
}
