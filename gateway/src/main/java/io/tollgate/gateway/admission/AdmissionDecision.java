package io.tollgate.gateway.admission;

/**
 * The answer to "may this attempt go upstream now?".
 * <ul>
 *   <li>{@link Admitted}: go; the reservation is held until {@link Admission#settle}.</li>
 *   <li>{@link Wait}: a limit is hit but frees up in {@code waitMillis} (the oldest counted request
 *       leaves the window); the caller may wait (auto-wait) and ask again, or cascade.</li>
 *   <li>{@link Refused}: not now and not soon (daily quota, BLOCK command, wait beyond bounds).</li>
 * </ul>
 * {@code limit} names the limit, e.g. {@code "rpm key=k-1 model=sim-large 60"}.
 */
public sealed interface AdmissionDecision {

    record Admitted(Reservation reservation, Remaining remaining) implements AdmissionDecision {
    }

    record Wait(long waitMillis, String limit) implements AdmissionDecision {
    }

    record Refused(String limit, long retryAfterMillis, int httpStatus, String reason) implements AdmissionDecision {
    }

    /**
     * What the caller has left after this admission; -1 = unlimited. Sent as response headers.
     * {@code requests} and {@code tokens} are the per-minute limits that bind the call (OpenAI's
     * {@code x-ratelimit-*-requests} and {@code -tokens} headers).
     */
    record Remaining(long requestsPerMinute, long tokensPerMinute, long requestsToday, long requestsPerDayLimit,
                     Window requests, Window tokens) {
        public static final Remaining UNLIMITED = new Remaining(-1, -1, -1, -1);

        public Remaining(long requestsPerMinute, long tokensPerMinute, long requestsToday, long requestsPerDayLimit) {
            this(requestsPerMinute, tokensPerMinute, requestsToday, requestsPerDayLimit, Window.UNLIMITED,
                    Window.UNLIMITED);
        }
    }

    /**
     * One per-minute limit as it stands after this admission: of the key + model and the key across
     * models, the one with less left. {@code resetMillis}: until the oldest request (or tokens)
     * counted in the window leaves it, i.e. when {@code remaining} next grows. -1 = unlimited.
     */
    record Window(long limit, long remaining, long resetMillis) {
        public static final Window UNLIMITED = new Window(-1, -1, -1);

        public boolean limited() {
            return limit >= 0;
        }
    }

    /** A hold on capacity made at admission; settled when the attempt ends. */
    record Reservation(String callId, int attempt, String keyId, String model, long tokens, long atMillis) {
    }
}
