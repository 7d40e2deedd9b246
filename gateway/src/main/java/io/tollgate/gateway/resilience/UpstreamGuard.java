package io.tollgate.gateway.resilience;

import java.time.Duration;
import java.util.Optional;

/**
 * Retries and circuit breaking around upstream attempts, per provider + model. The request path
 * asks {@link #allow} before an attempt, reports the outcome, and asks {@link #retryDelay} whether
 * and when to try again.
 */
public interface UpstreamGuard {

    /** How an attempt ended, as far as retrying and breaking are concerned. */
    enum Outcome { SUCCESS, RATE_LIMITED, TIMEOUT, SERVER_ERROR, NETWORK_ERROR, CLIENT_ERROR }

    /** False while the breaker of this provider + model is open (send traffic to the fallback). */
    boolean allow(String provider, String model, long nowMillis);

    void record(String provider, String model, Outcome outcome, long nowMillis);

    /**
     * The delay before attempt {@code nextAttempt} (2, 3, ...) after {@code outcome}, honouring the
     * provider's Retry-After; empty when no more attempts should be made.
     */
    Optional<Duration> retryDelay(int nextAttempt, Outcome outcome, Optional<Duration> retryAfter);

    /** One attempt, never open. */
    static UpstreamGuard none() {
        return new UpstreamGuard() {
            @Override
            public boolean allow(String provider, String model, long nowMillis) {
                return true;
            }

            @Override
            public void record(String provider, String model, Outcome outcome, long nowMillis) {
            }

            @Override
            public Optional<Duration> retryDelay(int nextAttempt, Outcome outcome, Optional<Duration> retryAfter) {
                return Optional.empty();
            }
        };
    }
}
