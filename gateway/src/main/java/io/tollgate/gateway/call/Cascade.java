package io.tollgate.gateway.call;

import io.tollgate.gateway.resilience.ControlStats;
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
    OTHER_LIMIT("other", "limit"),
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

    /** The limit an admission decision names, e.g. {@code "rpm key=k-1 model=sim-large 60"}. */
    static Cascade ofLimit(String limit) {
        return switch (ControlStats.reasonOf(limit)) {
            case "rpm" -> RPM;
            case "tpm" -> TPM;
            case "rpd" -> RPD;
            case "tpd" -> TPD;
            case "stale_view" -> STALE_VIEW;
            default -> OTHER_LIMIT;
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
