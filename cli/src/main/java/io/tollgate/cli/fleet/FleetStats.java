package io.tollgate.cli.fleet;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the fleet saw from its side of the gateway: answers per team and served model, tokens and
 * cost from the usage the gateway relayed, fallbacks, refusals by code and errors. Thread-safe.
 */
public final class FleetStats {

    /** Totals of one team and model. */
    public static final class Tally {
        final LongAdder calls = new LongAdder();
        final LongAdder promptTokens = new LongAdder();
        final LongAdder completionTokens = new LongAdder();
        final LongAdder costMicros = new LongAdder();
        final LongAdder fallbacks = new LongAdder();

        public long calls() {
            return calls.sum();
        }

        public long promptTokens() {
            return promptTokens.sum();
        }

        public long completionTokens() {
            return completionTokens.sum();
        }

        public long costMicros() {
            return costMicros.sum();
        }

        public long fallbacks() {
            return fallbacks.sum();
        }
    }

    private final Map<String, Tally> served = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> refusals = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
    private final LongAdder sent = new LongAdder();

    void sent() {
        sent.increment();
    }

    void served(String team, String model, long prompt, long completion, long cost, boolean fallback) {
        Tally t = served.computeIfAbsent(team + "|" + model, k -> new Tally());
        t.calls.increment();
        t.promptTokens.add(prompt);
        t.completionTokens.add(completion);
        t.costMicros.add(cost);
        if (fallback) {
            t.fallbacks.increment();
        }
    }

    void refused(String code) {
        refusals.computeIfAbsent(code, k -> new LongAdder()).increment();
    }

    void failed(String reason) {
        errors.computeIfAbsent(reason, k -> new LongAdder()).increment();
    }

    public long sentCalls() {
        return sent.sum();
    }

    /** Key {@code team|model} -> totals, sorted. */
    public Map<String, Tally> served() {
        return new TreeMap<>(served);
    }

    public Map<String, Long> refusals() {
        return sums(refusals);
    }

    public Map<String, Long> errors() {
        return sums(errors);
    }

    public long totalCalls() {
        return served.values().stream().mapToLong(Tally::calls).sum();
    }

    public long totalTokens() {
        return served.values().stream().mapToLong(t -> t.promptTokens() + t.completionTokens()).sum();
    }

    public long totalCostMicros() {
        return served.values().stream().mapToLong(Tally::costMicros).sum();
    }

    public long totalFallbacks() {
        return served.values().stream().mapToLong(Tally::fallbacks).sum();
    }

    private static Map<String, Long> sums(Map<String, LongAdder> adders) {
        Map<String, Long> out = new TreeMap<>();
        adders.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }
}
