package io.tollgate.cli.stack;

import io.tollgate.localstack.provider.SimulatedProvider;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Every {@code every}, the simulated provider answers the next {@code size} calls with 429 (Retry-After 1 s). */
public final class RateLimitBursts implements AutoCloseable {

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "tollgate-429-bursts");
        t.setDaemon(true);
        return t;
    });

    public RateLimitBursts(SimulatedProvider provider, int size, Duration every) {
        if (size < 0 || every.isNegative() || every.isZero()) {
            throw new IllegalArgumentException("429 bursts of " + size + " every " + every
                    + ": expected a size >= 0 and a positive interval");
        }
        if (size > 0) {
            timer.scheduleAtFixedRate(() -> provider.scenario().rateLimitNext(size, Duration.ofSeconds(1)),
                    every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
