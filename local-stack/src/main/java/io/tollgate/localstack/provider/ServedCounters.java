package io.tollgate.localstack.provider;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * What the simulated provider served, in total, per model and per API key (the bearer token seen in
 * {@code Authorization}; {@code "(none)"} without one), so end-to-end tests can compare Tollgate's
 * metering with the truth. Tokens count what was actually sent: prompt tokens of every answered
 * request and completion tokens of every content chunk delivered (also when a stream fails midway).
 */
public final class ServedCounters {

    /** A snapshot of counts. {@code failed} counts error answers (4xx/5xx) and streams cut midway. */
    public record Served(long requests, long succeeded, long failed, long promptTokens, long completionTokens) {
        public static final Served NONE = new Served(0, 0, 0, 0, 0);

        public long totalTokens() {
            return promptTokens + completionTokens;
        }
    }

    static final String NO_KEY = "(none)";

    private final Counter total = new Counter();
    private final Map<String, Counter> byModel = new ConcurrentHashMap<>();
    private final Map<String, Counter> byApiKey = new ConcurrentHashMap<>();

    public Served total() {
        return total.snapshot();
    }

    /** Per model, sorted by name. */
    public Map<String, Served> byModel() {
        return snapshot(byModel);
    }

    /** Per API key, sorted. */
    public Map<String, Served> byApiKey() {
        return snapshot(byApiKey);
    }

    public Served forModel(String model) {
        Counter counter = byModel.get(model);
        return counter == null ? Served.NONE : counter.snapshot();
    }

    public Served forApiKey(String apiKey) {
        Counter counter = byApiKey.get(apiKey);
        return counter == null ? Served.NONE : counter.snapshot();
    }

    public void reset() {
        total.reset();
        byModel.clear();
        byApiKey.clear();
    }

    void request(String model, String apiKey) {
        each(model, apiKey, c -> c.requests.increment());
    }

    void succeeded(String model, String apiKey) {
        each(model, apiKey, c -> c.succeeded.increment());
    }

    void failed(String model, String apiKey) {
        each(model, apiKey, c -> c.failed.increment());
    }

    void promptTokens(String model, String apiKey, long tokens) {
        each(model, apiKey, c -> c.promptTokens.add(tokens));
    }

    void completionTokens(String model, String apiKey, long tokens) {
        each(model, apiKey, c -> c.completionTokens.add(tokens));
    }

    private void each(String model, String apiKey, java.util.function.Consumer<Counter> update) {
        update.accept(total);
        update.accept(byModel.computeIfAbsent(model, m -> new Counter()));
        update.accept(byApiKey.computeIfAbsent(apiKey, k -> new Counter()));
    }

    private static Map<String, Served> snapshot(Map<String, Counter> counters) {
        Map<String, Served> result = new TreeMap<>();
        counters.forEach((name, counter) -> result.put(name, counter.snapshot()));
        return result;
    }

    private static final class Counter {
        final LongAdder requests = new LongAdder();
        final LongAdder succeeded = new LongAdder();
        final LongAdder failed = new LongAdder();
        final LongAdder promptTokens = new LongAdder();
        final LongAdder completionTokens = new LongAdder();

        Served snapshot() {
            return new Served(requests.sum(), succeeded.sum(), failed.sum(), promptTokens.sum(), completionTokens.sum());
        }

        void reset() {
            requests.reset();
            succeeded.reset();
            failed.reset();
            promptTokens.reset();
            completionTokens.reset();
        }
    }
}
