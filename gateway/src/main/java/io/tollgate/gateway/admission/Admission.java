package io.tollgate.gateway.admission;

import io.tollgate.gateway.routing.Caller;

/**
 * Admission against the quota views: local, in memory, no remote call per request.
 * Implementations add their own reservations that the view (fed from Kafka) does not yet show.
 */
public interface Admission {

    /** Decides one upstream attempt of {@code model} needing {@code reservedTokens}; reserves when admitted. */
    AdmissionDecision tryAdmit(Caller caller, String model, long reservedTokens, long nowMillis);

    /** The attempt ended; {@code actualTokens} replaces the reservation until the view reflects it. */
    void settle(AdmissionDecision.Reservation reservation, long actualTokens, long nowMillis);

    /** Admits everything: for a gateway run without quota views. */
    static Admission unlimited() {
        return new Admission() {
            @Override
            public AdmissionDecision tryAdmit(Caller caller, String model, long reservedTokens, long nowMillis) {
                return new AdmissionDecision.Admitted(
                        new AdmissionDecision.Reservation(null, 0, caller.keyId(), model, reservedTokens, nowMillis),
                        AdmissionDecision.Remaining.UNLIMITED);
            }

            @Override
            public void settle(AdmissionDecision.Reservation reservation, long actualTokens, long nowMillis) {
            }
        };
    }
}
