package io.tollgate.gateway.admission;

import io.tollgate.gateway.routing.Caller;

/**
 * Admission against the quota views: local, in memory, no remote call per request.
 * Implementations add their own reservations that the view (fed from Kafka) does not yet show.
 */
public interface Admission {

    /** Decides one upstream attempt of {@code model} needing {@code reservedTokens}; reserves when admitted. */
    AdmissionDecision tryAdmit(Caller caller, String model, long reservedTokens, long nowMillis);

    /** The attempt ended; {@code actualTokens} replace the reservation until the view counts the attempt. */
    void settle(AdmissionDecision.Reservation reservation, long actualTokens, long nowMillis);

    /**
     * Kafka acknowledged the attempt's REQUEST event at this usage partition and offset, so the view has
     * counted the reservation once its {@code usageOffset} reaches {@code offset}; {@code partition < 0}
     * means no event will be written for it (the attempt never went upstream). Called from the event
     * sender's thread.
     */
    default void written(AdmissionDecision.Reservation reservation, int partition, long offset) {
    }

    /** Admits everything: for a gateway run without quota views. */
    static Admission unlimited() {
        return new Admission() {
            @Override
            public AdmissionDecision tryAdmit(Caller caller, String model, long reservedTokens, long nowMillis) {
                return new AdmissionDecision.Admitted(
                        new AdmissionDecision.Reservation(caller.keyId(), model, reservedTokens, nowMillis, 0),
                        AdmissionDecision.Remaining.UNLIMITED);
            }

            @Override
            public void settle(AdmissionDecision.Reservation reservation, long actualTokens, long nowMillis) {
            }
        };
    }
}
