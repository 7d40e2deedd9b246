package io.tollgate.gateway.admission;

import io.tollgate.policy.limits.LimitKind;
import java.util.Locale;
import java.util.Objects;

/**
 * The answer to "may this attempt go upstream now?".
 * <ul>
 *   <li>{@link Admitted}: go; the reservation is held until the view counts it.</li>
 *   <li>{@link Wait}: a per-minute limit (or this gateway's share of it) is hit but frees up in
 *       {@code waitMillis}; the caller may wait (auto-wait) and ask again, or cascade.</li>
 *   <li>{@link Refused}: not now and not soon (daily quota, BLOCK command, stale view, a call larger
 *       than the limit itself).</li>
 * </ul>
 * What was hit is a {@link Kind}, for the caller's logic and statistics; {@code limit} is its description for
 * people, e.g. {@code "rpm key=k-1 model=sim-large 60"}, sent in {@code X-Tollgate-Limit}.
 */
public sealed interface AdmissionDecision {

    record Admitted(Reservation reservation, Remaining remaining) implements AdmissionDecision {
        public Admitted {
            Objects.requireNonNull(reservation, "reservation");
            Objects.requireNonNull(remaining, "remaining");
        }
    }

    record Wait(Kind kind, long waitMillis, String limit) implements AdmissionDecision {
        public Wait {
            Objects.requireNonNull(kind, "kind");
        }
    }

    record Refused(Kind kind, String limit, long retryAfterMillis, int httpStatus, String reason)
            implements AdmissionDecision {
        public Refused {
            Objects.requireNonNull(kind, "kind");
        }
    }

    /** What stopped a call. The four limits are {@link LimitKind}'s; the others are admission's own. */
    enum Kind {
        RPM, TPM, RPD, TPD,
        /** A BLOCK command covers the caller: no other model would be admitted either. */
        BLOCKED,
        /** The quota view is older than the fail-closed bound. */
        STALE_VIEW;

        public static Kind of(LimitKind limit) {
            return switch (limit) {
                case RPM -> RPM;
                case TPM -> TPM;
                case RPD -> RPD;
                case TPD -> TPD;
            };
        }

        /** Lower-case name for metrics tags, statistics and cascade reasons: rpm, tpd, blocked, stale_view. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * One limit after this admission: the limit and what is left of it, the call just admitted included;
     * both -1 when the key has no such limit. Where the key has the limit both for the model and across
     * models, the one with less left. {@code resetMillis} is how long until it frees up: for a per-minute limit
     * until the oldest request or tokens counted in the window leave it, for a daily one until the day ends.
     */
    record Headroom(long limit, long remaining, long resetMillis) {
        public static final Headroom UNLIMITED = new Headroom(-1, -1, 0);

        public boolean limited() {
            return limit >= 0;
        }

        /** How much of the limit is used, the call just admitted included; -1 when unlimited. */
        public long used() {
            return limited() ? limit - remaining : -1;
        }
    }

    /** What the caller has left, per limit. Sent as response headers. */
    record Remaining(Headroom requestsPerMinute, Headroom tokensPerMinute, Headroom requestsPerDay,
                     Headroom tokensPerDay) {
        public static final Remaining UNLIMITED = new Remaining(Headroom.UNLIMITED, Headroom.UNLIMITED,
                Headroom.UNLIMITED, Headroom.UNLIMITED);

        public Remaining {
            Objects.requireNonNull(requestsPerMinute, "requestsPerMinute");
            Objects.requireNonNull(tokensPerMinute, "tokensPerMinute");
            Objects.requireNonNull(requestsPerDay, "requestsPerDay");
            Objects.requireNonNull(tokensPerDay, "tokensPerDay");
        }

        public Headroom of(LimitKind kind) {
            return switch (kind) {
                case RPM -> requestsPerMinute;
                case TPM -> tokensPerMinute;
                case RPD -> requestsPerDay;
                case TPD -> tokensPerDay;
            };
        }
    }

    /**
     * A hold on capacity made at admission, until the quota view counts the attempt's REQUEST event.
     * {@code sequence} tells the key's admissions apart (the same call may be admitted twice in one
     * millisecond).
     */
    record Reservation(String keyId, String model, long tokens, long atMillis, long sequence) {
    }
}
