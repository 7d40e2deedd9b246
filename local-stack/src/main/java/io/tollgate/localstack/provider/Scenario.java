package io.tollgate.localstack.provider;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Random;

/**
 * The simulated provider's controls, changeable while it runs: a default {@link Behaviour}, one per
 * model, forced failures for the next N requests (globally or per model), and the seeded Random
 * behind error rates, so a run with the same seed and the same request order fails the same calls.
 */
public final class Scenario {

    /** A forced answer: an HTTP status and, for 429, the Retry-After to send. */
    public record ForcedFailure(int status, Duration retryAfter) {
    }

    private static final String ANY_MODEL = "";

    private Behaviour defaultBehaviour = Behaviour.DEFAULT;
    private final Map<String, Behaviour> byModel = new HashMap<>();
    private final Map<String, Deque<ForcedFailure>> forced = new HashMap<>();
    private Random random;

    Scenario(long seed) {
        this.random = new Random(seed);
    }

    public synchronized Scenario setDefault(Behaviour behaviour) {
        defaultBehaviour = behaviour;
        return this;
    }

    public synchronized Scenario set(String model, Behaviour behaviour) {
        byModel.put(model, behaviour);
        return this;
    }

    /** The behaviour for {@code model}: its own if set, else the default. */
    public synchronized Behaviour behaviourFor(String model) {
        return byModel.getOrDefault(model, defaultBehaviour);
    }

    /** The next {@code count} requests (any model) get 429 with {@code Retry-After}. */
    public Scenario rateLimitNext(int count, Duration retryAfter) {
        return failNext(ANY_MODEL, count, new ForcedFailure(429, retryAfter));
    }

    /** The next {@code count} requests for {@code model} get 429 with {@code Retry-After}. */
    public Scenario rateLimitNext(String model, int count, Duration retryAfter) {
        return failNext(model, count, new ForcedFailure(429, retryAfter));
    }

    /** The next {@code count} requests (any model) get 500. */
    public Scenario serverErrorNext(int count) {
        return failNext(ANY_MODEL, count, new ForcedFailure(500, null));
    }

    /** The next {@code count} requests for {@code model} get 500. */
    public Scenario serverErrorNext(String model, int count) {
        return failNext(model, count, new ForcedFailure(500, null));
    }

    /** The next {@code count} requests for {@code model} ("" = any model) get {@code status}. */
    public synchronized Scenario failNext(String model, int count, ForcedFailure failure) {
        if (count < 0) {
            throw new IllegalArgumentException("count must not be negative, got " + count);
        }
        if (failure.status() < 400 || failure.status() > 599) {
            throw new IllegalArgumentException("a forced failure needs a 4xx or 5xx status, got " + failure.status());
        }
        Deque<ForcedFailure> queue = forced.computeIfAbsent(model, m -> new ArrayDeque<>());
        for (int i = 0; i < count; i++) {
            queue.add(failure);
        }
        return this;
    }

    /** Restarts the error-rate Random from {@code seed}. */
    public synchronized Scenario seed(long seed) {
        random = new Random(seed);
        return this;
    }

    /** Back to defaults: no per-model behaviours, no forced failures (the Random is not reseeded). */
    public synchronized Scenario reset() {
        defaultBehaviour = Behaviour.DEFAULT;
        byModel.clear();
        forced.clear();
        return this;
    }

    /** Decides the failure (if any) for one request; consumes a forced failure or one draw of the Random. */
    synchronized Optional<ForcedFailure> nextFailure(String model) {
        ForcedFailure failure = poll(model);
        if (failure == null) {
            failure = poll(ANY_MODEL);
        }
        if (failure != null) {
            return Optional.of(failure);
        }
        double errorRate = behaviourFor(model).errorRate();
        // draw only when an error rate is set, so enabling it for one model does not shift the others
        if (errorRate > 0.0 && random.nextDouble() < errorRate) {
            return Optional.of(new ForcedFailure(500, null));
        }
        return Optional.empty();
    }

    private ForcedFailure poll(String model) {
        Deque<ForcedFailure> queue = forced.get(model);
        return queue == null ? null : queue.poll();
    }
}
