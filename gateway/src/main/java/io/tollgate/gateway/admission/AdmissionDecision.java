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

    /** What the caller has left after this admission; -1 = unlimited. Sent as response headers. */
    record Remaining(long requestsPerMinute, long tokensPerMinute, long requestsToday, long requestsPerDayLimit) {
        public static final Remaining UNLIMITED = new Remaining(-1, -1, -1, -1);
    }

    /** A hold on capacity made at admission; settled when the attempt ends. */
    record Reservation(String callId, int attempt, String keyId, String model, long tokens, long atMillis) {
    }
}
