package io.tollgate.gateway.resilience;

import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Retries with exponential backoff and full jitter, and a circuit breaker per provider + model.
 *
 * <h2>Retries</h2>
 * RATE_LIMITED, SERVER_ERROR, TIMEOUT and NETWORK_ERROR are retried up to
 * {@link Settings#maxAttempts} attempts per call (the first included). The delay before attempt
 * {@code n} (2, 3, ...) is uniform in {@code [0, min(maxDelay, baseDelay x 2^(n-2))]} ("full jitter":
 * clients that failed together do not retry together), and never shorter than the provider's
 * {@code Retry-After}. A {@code Retry-After} longer than {@link Settings#maxRetryAfter} ends the
 * retries: the caller should cascade to a fallback rather than hold the call.
 *
 * <h2>Breaker</h2>
 * CLOSED until {@link Settings#failureThreshold} consecutive failures (SERVER_ERROR, TIMEOUT,
 * NETWORK_ERROR), then OPEN: {@link #allow} is false, send traffic to the fallback. After
 * {@link Settings#coolDown} one call is let through as a probe (HALF_OPEN; others are still
 * refused); its success closes the breaker, its failure (or a 429) opens it again for another
 * cool-down. A probe that never reports is replaced after a cool-down. SUCCESS and CLIENT_ERROR
 * (the provider answered) reset the failure count; RATE_LIMITED neither counts nor resets in CLOSED
 * (quota, not health).
 *
 * <p>Thread-safe. Time comes in through {@code nowMillis}; randomness from the given {@link Random}
 * (seed it in tests).
 */
public final class RetryingCircuitGuard implements UpstreamGuard {

    /** Breaker states. */
    public enum State { CLOSED, OPEN, HALF_OPEN }

    /** Told about every breaker transition, e.g. to count it or log it. */
    @FunctionalInterface
    public interface Listener {
        void onTransition(String provider, String model, State from, State to, long nowMillis);
    }

    /**
     * @param maxAttempts      attempts per call, the first included (1 = no retry)
     * @param baseDelay        cap of the first retry's delay; doubles per attempt
     * @param maxDelay         largest cap
     * @param maxRetryAfter    longest provider Retry-After still waited for
     * @param failureThreshold consecutive failures that open the breaker
     * @param coolDown         how long the breaker stays open before a probe
     */
    public record Settings(int maxAttempts, Duration baseDelay, Duration maxDelay, Duration maxRetryAfter,
                           int failureThreshold, Duration coolDown) {
        public Settings {
            if (maxAttempts < 1 || failureThreshold < 1) {
                throw new IllegalArgumentException("maxAttempts " + maxAttempts + " and failureThreshold "
                        + failureThreshold + ": expected 1 or more");
            }
            for (Duration d : new Duration[] {baseDelay, maxDelay, maxRetryAfter, coolDown}) {
                if (d == null || d.isNegative()) {
                    throw new IllegalArgumentException("durations of " + maxAttempts + "/" + baseDelay + "/" + maxDelay
                            + "/" + maxRetryAfter + "/" + coolDown + " must be set and not negative");
                }
            }
        }

        /** 3 attempts, 250 ms base, 8 s cap, Retry-After up to 30 s, open after 5 failures for 30 s. */
        public static Settings defaults() {
            return new Settings(3, Duration.ofMillis(250), Duration.ofSeconds(8), Duration.ofSeconds(30), 5,
                    Duration.ofSeconds(30));
        }
    }

    private final Settings settings;
    private final Random random;
    private final Listener listener;
    private final ConcurrentHashMap<String, Breaker> breakers = new ConcurrentHashMap<>();

    public RetryingCircuitGuard(Settings settings, Random random) {
        this(settings, random, (provider, model, from, to, now) -> { });
    }

    public RetryingCircuitGuard(Settings settings, Random random, Listener listener) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.random = Objects.requireNonNull(random, "random");
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    @Override
    public boolean allow(String provider, String model, long nowMillis) {
        return breaker(provider, model).allow(nowMillis);
    }

    @Override
    public void record(String provider, String model, Outcome outcome, long nowMillis) {
        breaker(provider, model).record(Objects.requireNonNull(outcome, "outcome"), nowMillis);
    }

    @Override
    public Optional<Duration> retryDelay(int nextAttempt, Outcome outcome, Optional<Duration> retryAfter) {
        if (nextAttempt < 2) {
            throw new IllegalArgumentException("nextAttempt is " + nextAttempt + "; retries start at attempt 2");
        }
        if (!retryable(outcome) || nextAttempt > settings.maxAttempts()) {
            return Optional.empty();
        }
        if (retryAfter.isPresent() && retryAfter.get().compareTo(settings.maxRetryAfter()) > 0) {
            return Optional.empty();
        }
        long cap = backoffCap(nextAttempt);
        long jittered = cap == 0 ? 0 : random.nextLong(cap + 1);
        long floor = retryAfter.map(Duration::toMillis).orElse(0L);
        return Optional.of(Duration.ofMillis(Math.max(jittered, floor)));
    }

    /** The upper bound of the jittered delay before {@code nextAttempt}, in milliseconds. */
    public long backoffCap(int nextAttempt) {
        long base = settings.baseDelay().toMillis();
        long max = settings.maxDelay().toMillis();
        int doublings = Math.min(nextAttempt - 2, 40);
        long cap = base << doublings;
        return cap < 0 || (base != 0 && cap >>> doublings != base) ? max : Math.min(max, cap);
    }

    public State state(String provider, String model) {
        Breaker breaker = breakers.get(key(provider, model));
        return breaker == null ? State.CLOSED : breaker.state();
    }

    /** Every breaker that has seen traffic, by {@code provider/model}, sorted. */
    public Map<String, State> states() {
        Map<String, State> result = new TreeMap<>();
        breakers.forEach((key, breaker) -> result.put(key, breaker.state()));
        return result;
    }

    public Settings settings() {
        return settings;
    }

    private static boolean retryable(Outcome outcome) {
        return switch (outcome) {
            case RATE_LIMITED, SERVER_ERROR, TIMEOUT, NETWORK_ERROR -> true;
            case SUCCESS, CLIENT_ERROR -> false;
        };
    }

    private Breaker breaker(String provider, String model) {
        return breakers.computeIfAbsent(key(provider, model), k -> new Breaker(provider, model));
    }

    private static String key(String provider, String model) {
        return provider + "/" + model;
    }

    /** One breaker's state machine; its monitor guards it. */
    private final class Breaker {
        private final String provider;
        private final String model;
        private State state = State.CLOSED;
        private int consecutiveFailures;
        private long openedAt;
        private long probeAt;

        Breaker(String provider, String model) {
            this.provider = provider;
            this.model = model;
        }

        synchronized State state() {
            return state;
        }

        synchronized boolean allow(long now) {
            long coolDown = settings.coolDown().toMillis();
            return switch (state) {
                case CLOSED -> true;
                case OPEN -> {
                    if (now - openedAt < coolDown) {
                        yield false;
                    }
                    probeAt = now;
                    move(State.HALF_OPEN, now);
                    yield true;
                }
                case HALF_OPEN -> {
                    if (now - probeAt < coolDown) {
                        yield false;
                    }
                    probeAt = now; // the last probe never reported: let another one through
                    yield true;
                }
            };
        }

        synchronized void record(Outcome outcome, long now) {
            boolean failure = outcome == Outcome.SERVER_ERROR || outcome == Outcome.TIMEOUT
                    || outcome == Outcome.NETWORK_ERROR;
            boolean healthy = outcome == Outcome.SUCCESS || outcome == Outcome.CLIENT_ERROR;
            switch (state) {
                case CLOSED -> {
                    if (healthy) {
                        consecutiveFailures = 0;
                    } else if (failure && ++consecutiveFailures >= settings.failureThreshold()) {
                        open(now);
                    }
                }
                case HALF_OPEN -> {
                    if (healthy) {
                        consecutiveFailures = 0;
                        move(State.CLOSED, now);
                    } else {
                        open(now);
                    }
                }
                case OPEN -> {
                    // late outcomes of calls let through before the breaker opened: the probe decides
                }
            }
        }

        private void open(long now) {
            openedAt = now;
            move(State.OPEN, now);
        }

        private void move(State to, long now) {
            State from = state;
            state = to;
            if (from != to) {
                listener.onTransition(provider, model, from, to, now);
            }
        }
    }
}
