package io.tollgate.gateway.call;

import io.tollgate.gateway.admission.AdmissionDecision;
import io.tollgate.gateway.resilience.UpstreamGuard;

/**
 * Why a call left one candidate model for the next: {@code label} is the bounded statistics tag
 * ({@code ControlStats}, Prometheus), {@code words} what the route reason says, e.g.
 * {@code fallback of sim-large: breaker open}.
 */
enum Cascade {
    RPM("rpm", "rpm"),
    TPM("tpm", "tpm"),
    RPD("rpd", "rpd"),
    TPD("tpd", "tpd"),
    STALE_VIEW("stale_view", "quota view stale"),
    BLOCKED("blocked", "blocked"),
    BREAKER_OPEN("breaker_open", "breaker open"),
    UPSTREAM_RATE_LIMITED("upstream_rate_limited", "upstream 429"),
    UPSTREAM_SERVER_ERROR("upstream_server_error", "upstream 5xx"),
    UPSTREAM_TIMEOUT("upstream_timeout", "upstream timeout"),
    UPSTREAM_NETWORK_ERROR("upstream_network_error", "upstream network error"),
    CONTEXT_WINDOW("context_window", "context window"),
    NOT_ALLOWED("not_allowed", "not allowed for the key"),
    UNPRICED("unpriced", "no price"),
    NO_PROVIDER("no_provider", "no provider");

    private final String label;
    private final String words;

    Cascade(String label, String words) {
        this.label = label;
        this.words = words;
    }

    String label() {
        return label;
    }

    String words() {
        return words;
    }

    /** What an admission decision hit. */
    static Cascade of(AdmissionDecision.Kind kind) {
        return switch (kind) {
            case RPM -> RPM;
            case TPM -> TPM;
            case RPD -> RPD;
            case TPD -> TPD;
            case STALE_VIEW -> STALE_VIEW;
            case BLOCKED -> BLOCKED;
        };
    }

    /** A failed upstream attempt with no retry left. */
    static Cascade of(UpstreamGuard.Outcome outcome) {
        return switch (outcome) {
            case RATE_LIMITED -> UPSTREAM_RATE_LIMITED;
            case TIMEOUT -> UPSTREAM_TIMEOUT;
            case NETWORK_ERROR -> UPSTREAM_NETWORK_ERROR;
            case SERVER_ERROR, SUCCESS, CLIENT_ERROR -> UPSTREAM_SERVER_ERROR;
        };
    }
}
